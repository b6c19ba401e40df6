#include "ptx/encoding/otlp_trace.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace ptx::encoding {
namespace {

namespace pb_collector = ::opentelemetry::proto::collector::trace::v1;
namespace pb_trace = ::opentelemetry::proto::trace::v1;
namespace pb_common = ::opentelemetry::proto::common::v1;

template <size_t N>
std::array<uint8_t, N> Seq(uint8_t first) {
  std::array<uint8_t, N> a{};
  for (size_t i = 0; i < N; ++i) a[i] = static_cast<uint8_t>(first + i);
  return a;
}

template <size_t N>
std::string Raw(const std::array<uint8_t, N>& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), N);
}

const pb_common::AnyValue& Find(const google::protobuf::RepeatedPtrField<pb_common::KeyValue>& kvs,
                                const std::string& key) {
  for (const auto& kv : kvs) {
    if (kv.key() == key) return kv.value();
  }
  ADD_FAILURE() << "missing attribute " << key;
  return pb_common::AnyValue::default_instance();
}

pb_collector::ExportTraceServiceRequest Parse(const std::string& bytes) {
  pb_collector::ExportTraceServiceRequest request;
  EXPECT_TRUE(request.ParseFromString(bytes));
  return request;
}

class EncodeTraceRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    resource_.attributes = {{"service.name", std::string("checkout")},
                            {"process.pid", int64_t{4242}}};
    resource_.schema_url = "https://opentelemetry.io/schemas/1.21.0";
    scope_a_ = {"app.http", "1.2.3"};
    scope_b_ = {"app.db", ""};

    // Root span of scope A with every field set.
    auto full = std::make_unique<SpanData>();
    full->context.trace_id.bytes = Seq<16>(0x10);
    full->context.span_id.bytes = Seq<8>(0xa0);
    full->context.trace_flags = kTraceFlagSampled;
    full->context.trace_state = "vendor=abc,other=1";
    full->scope = &scope_a_;
    full->name = "GET /users";
    full->kind = SpanKind::kServer;
    full->start_time_unix_nano = 1700000000123456789ull;
    full->end_time_unix_nano = 1700000000987654321ull;
    full->attributes = {
        {"b", true},
        {"i", int64_t{-9007199254740993}},
        {"d", 2.5},
        {"s", std::string("text")},
        {"bytes", Bytes{std::string("\x00\xff\x10", 3)}},
        {"ab", std::vector<bool>{true, false, true}},
        {"ai", std::vector<int64_t>{1, -2, INT64_MAX}},
        {"ad", std::vector<double>{0.5, -1e300}},
        {"as", std::vector<std::string>{"x", "", "z"}},
        {"abytes", std::vector<Bytes>{Bytes{"\x01"}, Bytes{std::string("\x00", 1)}}},
        {"empty", std::vector<int64_t>{}},
    };
    full->dropped_attributes_count = 3;
    full->events.push_back({"exception", 1700000000500000000ull,
                            {{"exception.type", std::string("ValueError")}}, 2});
    full->events.push_back({"second", 1700000000600000000ull, {}, 0});
    full->dropped_events_count = 4;
    SpanLink remote_link;
    remote_link.context.trace_id.bytes = Seq<16>(0x30);
    remote_link.context.span_id.bytes = Seq<8>(0x40);
    remote_link.context.trace_flags = kTraceFlagSampled;
    remote_link.context.trace_state = "l=1";
    remote_link.context.is_remote = true;
    remote_link.attributes = {{"link.kind", std::string("follows")}};
    remote_link.dropped_attributes_count = 6;
    full->links.push_back(remote_link);
    SpanLink local_link;
    local_link.context.trace_id.bytes = Seq<16>(0x50);
    local_link.context.span_id.bytes = Seq<8>(0x60);
    full->links.push_back(local_link);
    full->dropped_links_count = 5;
    full->status_code = SpanStatusCode::kError;
    full->status_message = "boom";
    batch_.push_back(std::move(full));

    // Child of a remote parent, scope B.
    auto child = std::make_unique<SpanData>();
    child->context.trace_id.bytes = Seq<16>(0x10);
    child->context.span_id.bytes = Seq<8>(0xb0);
    child->parent_span_id.bytes = Seq<8>(0xc0);
    child->parent_is_remote = true;
    child->scope = &scope_b_;
    child->name = "SELECT";
    child->kind = SpanKind::kClient;
    child->status_code = SpanStatusCode::kOk;
    batch_.push_back(std::move(child));

    batch_.push_back(nullptr);  // skipped

    // Local child, scope A again: joins the first ScopeSpans.
    auto local = std::make_unique<SpanData>();
    local->context.trace_id.bytes = Seq<16>(0x10);
    local->context.span_id.bytes = Seq<8>(0xd0);
    local->parent_span_id.bytes = Seq<8>(0xa0);
    local->scope = &scope_a_;
    local->name = "render";
    local->kind = SpanKind::kProducer;
    batch_.push_back(std::move(local));

    // No scope at all.
    auto unscoped = std::make_unique<SpanData>();
    unscoped->context.trace_id.bytes = Seq<16>(0x70);
    unscoped->context.span_id.bytes = Seq<8>(0x80);
    unscoped->name = "orphan";
    unscoped->kind = SpanKind::kConsumer;
    batch_.push_back(std::move(unscoped));
  }

  Resource resource_;
  InstrumentationScope scope_a_;
  InstrumentationScope scope_b_;
  SpanBatch batch_;
};

TEST_F(EncodeTraceRequestTest, ResourceAndScopeGrouping) {
  auto request = Parse(EncodeTraceRequest(resource_, batch_));
  ASSERT_EQ(request.resource_spans_size(), 1);
  const auto& rs = request.resource_spans(0);
  EXPECT_EQ(rs.schema_url(), "https://opentelemetry.io/schemas/1.21.0");
  ASSERT_EQ(rs.resource().attributes_size(), 2);
  EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "checkout");
  EXPECT_EQ(rs.resource().attributes(1).key(), "process.pid");
  EXPECT_EQ(rs.resource().attributes(1).value().int_value(), 4242);
  EXPECT_EQ(rs.resource().dropped_attributes_count(), 0u);

  ASSERT_EQ(rs.scope_spans_size(), 3);
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "app.http");
  EXPECT_EQ(rs.scope_spans(0).scope().version(), "1.2.3");
  ASSERT_EQ(rs.scope_spans(0).spans_size(), 2);
  EXPECT_EQ(rs.scope_spans(0).spans(0).name(), "GET /users");
  EXPECT_EQ(rs.scope_spans(0).spans(1).name(), "render");
  EXPECT_EQ(rs.scope_spans(1).scope().name(), "app.db");
  EXPECT_EQ(rs.scope_spans(1).scope().version(), "");
  ASSERT_EQ(rs.scope_spans(1).spans_size(), 1);
  EXPECT_EQ(rs.scope_spans(1).spans(0).name(), "SELECT");
  EXPECT_EQ(rs.scope_spans(2).scope().name(), "");
  EXPECT_EQ(rs.scope_spans(2).scope().version(), "");
  ASSERT_EQ(rs.scope_spans(2).spans_size(), 1);
  EXPECT_EQ(rs.scope_spans(2).spans(0).name(), "orphan");
}

TEST_F(EncodeTraceRequestTest, EverySpanField) {
  auto request = Parse(EncodeTraceRequest(resource_, batch_));
  const pb_trace::Span& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_id(), Raw(Seq<16>(0x10)));
  EXPECT_EQ(span.span_id(), Raw(Seq<8>(0xa0)));
  EXPECT_EQ(span.trace_state(), "vendor=abc,other=1");
  EXPECT_TRUE(span.parent_span_id().empty());
  EXPECT_EQ(span.name(), "GET /users");
  EXPECT_EQ(span.kind(), pb_trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), 1700000000123456789ull);
  EXPECT_EQ(span.end_time_unix_nano(), 1700000000987654321ull);
  EXPECT_EQ(span.dropped_attributes_count(), 3u);
  EXPECT_EQ(span.dropped_events_count(), 4u);
  EXPECT_EQ(span.dropped_links_count(), 5u);
  EXPECT_EQ(span.status().code(), pb_trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.status().message(), "boom");
  // Sampled, root: is_remote known (not remote).
  EXPECT_EQ(span.flags(), 0x101u);

  const auto& attrs = span.attributes();
  ASSERT_EQ(attrs.size(), 11);
  EXPECT_EQ(attrs[0].key(), "b");  // order preserved
  EXPECT_EQ(Find(attrs, "b").value_case(), pb_common::AnyValue::kBoolValue);
  EXPECT_TRUE(Find(attrs, "b").bool_value());
  EXPECT_EQ(Find(attrs, "i").int_value(), -9007199254740993);
  EXPECT_EQ(Find(attrs, "d").value_case(), pb_common::AnyValue::kDoubleValue);
  EXPECT_EQ(Find(attrs, "d").double_value(), 2.5);
  EXPECT_EQ(Find(attrs, "s").string_value(), "text");
  EXPECT_EQ(Find(attrs, "bytes").value_case(), pb_common::AnyValue::kBytesValue);
  EXPECT_EQ(Find(attrs, "bytes").bytes_value(), std::string("\x00\xff\x10", 3));

  const auto& ab = Find(attrs, "ab").array_value().values();
  ASSERT_EQ(ab.size(), 3);
  EXPECT_EQ(ab[0].value_case(), pb_common::AnyValue::kBoolValue);
  EXPECT_TRUE(ab[0].bool_value());
  EXPECT_FALSE(ab[1].bool_value());
  EXPECT_EQ(ab[1].value_case(), pb_common::AnyValue::kBoolValue);
  EXPECT_TRUE(ab[2].bool_value());
  const auto& ai = Find(attrs, "ai").array_value().values();
  ASSERT_EQ(ai.size(), 3);
  EXPECT_EQ(ai[0].int_value(), 1);
  EXPECT_EQ(ai[1].int_value(), -2);
  EXPECT_EQ(ai[2].int_value(), INT64_MAX);
  const auto& ad = Find(attrs, "ad").array_value().values();
  ASSERT_EQ(ad.size(), 2);
  EXPECT_EQ(ad[0].double_value(), 0.5);
  EXPECT_EQ(ad[1].double_value(), -1e300);
  const auto& as = Find(attrs, "as").array_value().values();
  ASSERT_EQ(as.size(), 3);
  EXPECT_EQ(as[0].string_value(), "x");
  EXPECT_EQ(as[1].value_case(), pb_common::AnyValue::kStringValue);
  EXPECT_EQ(as[1].string_value(), "");
  EXPECT_EQ(as[2].string_value(), "z");
  const auto& abytes = Find(attrs, "abytes").array_value().values();
  ASSERT_EQ(abytes.size(), 2);
  EXPECT_EQ(abytes[0].bytes_value(), "\x01");
  EXPECT_EQ(abytes[1].value_case(), pb_common::AnyValue::kBytesValue);
  EXPECT_EQ(abytes[1].bytes_value(), std::string("\x00", 1));
  EXPECT_EQ(Find(attrs, "empty").value_case(), pb_common::AnyValue::kArrayValue);
  EXPECT_EQ(Find(attrs, "empty").array_value().values_size(), 0);

  ASSERT_EQ(span.events_size(), 2);
  EXPECT_EQ(span.events(0).name(), "exception");
  EXPECT_EQ(span.events(0).time_unix_nano(), 1700000000500000000ull);
  ASSERT_EQ(span.events(0).attributes_size(), 1);
  EXPECT_EQ(span.events(0).attributes(0).key(), "exception.type");
  EXPECT_EQ(span.events(0).attributes(0).value().string_value(), "ValueError");
  EXPECT_EQ(span.events(0).dropped_attributes_count(), 2u);
  EXPECT_EQ(span.events(1).name(), "second");
  EXPECT_EQ(span.events(1).time_unix_nano(), 1700000000600000000ull);
  EXPECT_EQ(span.events(1).attributes_size(), 0);

  ASSERT_EQ(span.links_size(), 2);
  const auto& l0 = span.links(0);
  EXPECT_EQ(l0.trace_id(), Raw(Seq<16>(0x30)));
  EXPECT_EQ(l0.span_id(), Raw(Seq<8>(0x40)));
  EXPECT_EQ(l0.trace_state(), "l=1");
  ASSERT_EQ(l0.attributes_size(), 1);
  EXPECT_EQ(l0.attributes(0).value().string_value(), "follows");
  EXPECT_EQ(l0.dropped_attributes_count(), 6u);
  EXPECT_EQ(l0.flags(), 0x301u);  // sampled, remote known, remote
  const auto& l1 = span.links(1);
  EXPECT_EQ(l1.trace_id(), Raw(Seq<16>(0x50)));
  EXPECT_EQ(l1.span_id(), Raw(Seq<8>(0x60)));
  EXPECT_EQ(l1.trace_state(), "");
  EXPECT_EQ(l1.flags(), 0x100u);
}

TEST_F(EncodeTraceRequestTest, ParentsKindsAndFlags) {
  auto request = Parse(EncodeTraceRequest(resource_, batch_));
  const auto& rs = request.resource_spans(0);

  const pb_trace::Span& child = rs.scope_spans(1).spans(0);
  EXPECT_EQ(child.parent_span_id(), Raw(Seq<8>(0xc0)));
  EXPECT_EQ(child.kind(), pb_trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(child.flags(), 0x300u);  // not sampled, parent remote
  EXPECT_EQ(child.status().code(), pb_trace::Status::STATUS_CODE_OK);
  EXPECT_EQ(child.status().message(), "");

  const pb_trace::Span& local = rs.scope_spans(0).spans(1);
  EXPECT_EQ(local.parent_span_id(), Raw(Seq<8>(0xa0)));
  EXPECT_EQ(local.kind(), pb_trace::Span::SPAN_KIND_PRODUCER);
  EXPECT_EQ(local.flags(), 0x100u);
  EXPECT_EQ(local.status().code(), pb_trace::Status::STATUS_CODE_UNSET);

  const pb_trace::Span& orphan = rs.scope_spans(2).spans(0);
  EXPECT_EQ(orphan.kind(), pb_trace::Span::SPAN_KIND_CONSUMER);
  EXPECT_EQ(orphan.trace_id(), Raw(Seq<16>(0x70)));
  EXPECT_TRUE(orphan.parent_span_id().empty());
}

TEST(EncodeTraceRequestWireTest, MinimalSpanMatchesHandComputedBytes) {
  // Checks field numbers and wire types independently of our own .proto files.
  InstrumentationScope scope;  // unused: span has no scope
  (void)scope;
  SpanBatch batch;
  auto span = std::make_unique<SpanData>();
  span->context.trace_id.bytes = Seq<16>(1);
  span->context.span_id.bytes = Seq<8>(0x21);
  span->context.trace_flags = 1;
  span->name = "x";
  span->kind = SpanKind::kInternal;
  span->start_time_unix_nano = 1;
  span->end_time_unix_nano = 2;
  batch.push_back(std::move(span));

  std::string s;
  s += "\x0a\x10" + Raw(Seq<16>(1));                      // trace_id = 1, bytes
  s += "\x12\x08" + Raw(Seq<8>(0x21));                    // span_id = 2, bytes
  s += "\x2a\x01x";                                        // name = 5
  s += std::string("\x30\x01", 2);                         // kind = 6, INTERNAL
  s += std::string("\x39\x01\0\0\0\0\0\0\0", 9);           // start = 7, fixed64
  s += std::string("\x41\x02\0\0\0\0\0\0\0", 9);           // end = 8, fixed64
  s += std::string("\x85\x01\x01\x01\0\0", 6);             // flags = 16, fixed32 0x101
  ASSERT_EQ(s.size(), 57u);
  std::string scope_spans = std::string("\x0a\x00", 2) + "\x12\x39" + s;
  std::string resource_spans = std::string("\x0a\x00", 2) + "\x12\x3d" + scope_spans;
  std::string expected = "\x0a\x41" + resource_spans;

  EXPECT_EQ(EncodeTraceRequest(Resource{}, batch), expected);
}

TEST(EncodeTraceRequestWireTest, EmptyBatchStillCarriesTheResource) {
  Resource resource;
  resource.attributes = {{"k", std::string("v")}};
  auto request = Parse(EncodeTraceRequest(resource, SpanBatch{}));
  ASSERT_EQ(request.resource_spans_size(), 1);
  EXPECT_EQ(request.resource_spans(0).scope_spans_size(), 0);
  EXPECT_EQ(request.resource_spans(0).resource().attributes(0).key(), "k");
}

TEST(EncodeTraceRequestWireTest, InvalidUtf8IsReplacedNotFatal) {
  SpanBatch batch;
  auto span = std::make_unique<SpanData>();
  span->name = "caf\xc3\xa9 \xff!";                       // valid é, then a stray byte
  span->attributes = {{"k\xc0", std::string("\xed\xa0\x80x")},  // bad key; surrogate
                      {"ok", std::vector<std::string>{"\xf0\x9f\x98\x80", "\xe2\x82"}}};
  batch.push_back(std::move(span));
  pb_collector::ExportTraceServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(EncodeTraceRequest(Resource{}, batch)));
  const auto& out = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(out.name(), "caf\xc3\xa9 \xef\xbf\xbd!");
  EXPECT_EQ(out.attributes(0).key(), "k\xef\xbf\xbd");
  EXPECT_EQ(out.attributes(0).value().string_value(),
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx");
  EXPECT_EQ(out.attributes(1).value().array_value().values(0).string_value(),
            "\xf0\x9f\x98\x80");
  EXPECT_EQ(out.attributes(1).value().array_value().values(1).string_value(),
            "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(EncodeTraceRequestWireTest, LargeBatch) {
  InstrumentationScope scope{"s", "1"};
  SpanBatch batch;
  for (int i = 0; i < 2048; ++i) {
    auto span = std::make_unique<SpanData>();
    span->context.trace_id.bytes = Seq<16>(static_cast<uint8_t>(i));
    span->context.span_id.bytes = Seq<8>(static_cast<uint8_t>(i + 1));
    span->scope = &scope;
    span->name = "span-" + std::to_string(i);
    span->attributes = {{"i", int64_t{i}}, {"s", std::string(100, 'a')}};
    batch.push_back(std::move(span));
  }
  auto request = Parse(EncodeTraceRequest(Resource{}, batch));
  ASSERT_EQ(request.resource_spans(0).scope_spans_size(), 1);
  ASSERT_EQ(request.resource_spans(0).scope_spans(0).spans_size(), 2048);
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(2047).name(), "span-2047");
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(2047).attributes(0).value().int_value(),
            2047);
}

}  // namespace
}  // namespace ptx::encoding
