#include "store.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ptx/base/hex.h"
#include "query_api.h"

namespace ptx::emulator {
namespace {

std::string Id(int trace, size_t size) {
  std::string id(size, '\0');
  id[size - 1] = static_cast<char>(trace);
  id[0] = '\x0a';
  return id;
}

struct SpanSpec {
  int trace;
  int span;
  int parent;  // 0: root
  std::string name;
  uint64_t start;
  uint64_t end;
  std::string service = "svc";
  bool error = false;
};

SpanRecord Make(const SpanSpec& spec) {
  auto resource = std::make_shared<ResourceInfo>();
  auto* kv = resource->resource.add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value(spec.service);
  resource->service_name = spec.service;
  SpanRecord record;
  record.resource = resource;
  record.scope = std::make_shared<ScopeInfo>();
  record.origin = std::make_shared<Origin>();
  record.mutable_span()->set_trace_id(Id(spec.trace, 16));
  record.mutable_span()->set_span_id(Id(spec.span, 8));
  if (spec.parent) record.mutable_span()->set_parent_span_id(Id(spec.parent, 8));
  record.mutable_span()->set_name(spec.name);
  record.mutable_span()->set_start_time_unix_nano(spec.start);
  record.mutable_span()->set_end_time_unix_nano(spec.end);
  if (spec.error) record.mutable_span()->mutable_status()->set_code(otlp_trace::Status::STATUS_CODE_ERROR);
  auto* attr = record.mutable_span()->add_attributes();
  attr->set_key("http.status_code");
  attr->mutable_value()->set_int_value(spec.error ? 500 : 200);
  return record;
}

std::vector<SpanRecord> Sample() {
  std::vector<SpanRecord> out;
  // Trace 1: checkout root with a child in another service, 50 ms, error in the child.
  out.push_back(Make({1, 1, 0, "GET /checkout", 1'000'000'000, 1'050'000'000, "checkout"}));
  out.push_back(Make({1, 2, 1, "charge", 1'010'000'000, 1'020'000'000, "payments", true}));
  // Trace 2: a 5 ms single-span trace that started later.
  out.push_back(Make({2, 3, 0, "GET /health", 2'000'000'000, 2'005'000'000, "checkout"}));
  return out;
}

TEST(TraceTableTest, ListsNewestFirstWithSummaries) {
  TraceTable table(100);
  table.Add(Sample());
  size_t total = 0;
  std::vector<TraceSummary> traces = table.List(TraceQuery{}, &total);
  ASSERT_EQ(total, 2u);
  ASSERT_EQ(traces.size(), 2u);
  EXPECT_EQ(traces[0].trace_id, Id(2, 16));
  EXPECT_EQ(traces[1].root_name, "GET /checkout");
  EXPECT_EQ(traces[1].service, "checkout");
  EXPECT_EQ(traces[1].services, (std::vector<std::string>{"checkout", "payments"}));
  EXPECT_EQ(traces[1].start_ns, 1'000'000'000u);
  EXPECT_EQ(traces[1].end_ns, 1'050'000'000u);
  EXPECT_EQ(traces[1].span_count, 2u);
  EXPECT_TRUE(traces[1].error);
  EXPECT_FALSE(traces[0].error);
}

TEST(TraceTableTest, Filters) {
  TraceTable table(100);
  table.Add(Sample());
  auto ids = [&](TraceQuery query) {
    size_t total = 0;
    std::vector<std::string> out;
    for (const TraceSummary& s : table.List(query, &total)) out.push_back(s.trace_id);
    return out;
  };
  TraceQuery q;
  q.service = "payments";
  EXPECT_EQ(ids(q), std::vector<std::string>{Id(1, 16)});
  q = {};
  q.name = "GET /health";
  EXPECT_EQ(ids(q), std::vector<std::string>{Id(2, 16)});
  q = {};
  q.attributes = {{"http.status_code", "500"}};
  EXPECT_EQ(ids(q), std::vector<std::string>{Id(1, 16)});
  q.attributes = {{"service.name", "payments"}};  // resource attributes count too
  EXPECT_EQ(ids(q), std::vector<std::string>{Id(1, 16)});
  q = {};
  q.min_duration_ns = 10'000'000;
  EXPECT_EQ(ids(q), std::vector<std::string>{Id(1, 16)});
  q = {};
  q.error = false;
  EXPECT_EQ(ids(q), std::vector<std::string>{Id(2, 16)});
  q = {};
  q.start_ns = 1'500'000'000;
  EXPECT_EQ(ids(q), std::vector<std::string>{Id(2, 16)});
  q = {};
  q.end_ns = 1'000'000'000;
  EXPECT_EQ(ids(q), std::vector<std::string>{Id(1, 16)});
  q = {};
  q.limit = 1;
  size_t total = 0;
  EXPECT_EQ(table.List(q, &total).size(), 1u);
  EXPECT_EQ(total, 2u);
}

TEST(TraceTableTest, GetOrdersByStartAndEvictsOldest) {
  TraceTable table(2);
  table.Add(Sample());  // three spans into room for two: the first is evicted
  EXPECT_EQ(table.span_count(), 2u);
  EXPECT_EQ(table.evicted_spans(), 1u);
  std::vector<SpanPtr> trace = table.Get(Id(1, 16));
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0]->span().name(), "charge");
  size_t total = 0;
  std::vector<TraceSummary> list = table.List(TraceQuery{}, &total);
  ASSERT_EQ(total, 2u);
  // Without its root, a trace is summarised by its earliest span.
  EXPECT_EQ(list[1].root_name, "charge");
  table.Add({Make({3, 9, 0, "x", 5, 6})});
  EXPECT_TRUE(table.Get(Id(1, 16)).empty());
  EXPECT_EQ(table.trace_count(), 2u);
  table.Clear();
  EXPECT_EQ(table.span_count(), 0u);
  EXPECT_EQ(table.trace_count(), 0u);
}

TEST(TraceTableTest, EvictsOldestBeyondTheByteLimitKeepingTheNewest) {
  std::vector<SpanRecord> sample = Sample();
  std::vector<size_t> sizes;
  for (const SpanRecord& r : sample) sizes.push_back(r.span().ByteSizeLong());
  // Room for the last two spans' bytes, not three.
  TraceTable table(100, sizes[1] + sizes[2]);
  table.Add(Sample());
  EXPECT_EQ(table.span_count(), 2u);
  EXPECT_EQ(table.bytes(), sizes[1] + sizes[2]);
  EXPECT_EQ(table.evicted_spans(), 1u);
  EXPECT_EQ(table.evicted_bytes(), sizes[0]);
  EXPECT_TRUE(table.Get(Id(1, 16)).size() == 1u);  // "charge" stays, the root went

  TraceTable tiny(100, 1);  // smaller than any span: only the newest stays
  tiny.Add(Sample());
  EXPECT_EQ(tiny.span_count(), 1u);
  EXPECT_EQ(tiny.bytes(), sizes[2]);
  EXPECT_EQ(tiny.evicted_bytes(), sizes[0] + sizes[1]);
  tiny.Clear();
  EXPECT_EQ(tiny.bytes(), 0u);
  EXPECT_EQ(tiny.evicted_bytes(), 0u);
}

TEST(LogTableTest, EvictsOldestBeyondTheByteLimit) {
  std::vector<LogRecordEntry> entries(3);
  for (int i = 0; i < 3; ++i) entries[i].mutable_record()->mutable_body()->set_string_value(std::string(10, 'a' + i));
  size_t each = entries[0].record().ByteSizeLong();
  LogTable table(100, 2 * each);
  table.Add(std::move(entries));
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.bytes(), 2 * each);
  EXPECT_EQ(table.evicted(), 1u);
  EXPECT_EQ(table.evicted_bytes(), each);
  EXPECT_EQ(table.arrival().front()->record().body().string_value(), std::string(10, 'b'));
}

TEST(QueryRenderTest, SpanJsonIsTypedAndExact) {
  SpanRecord record = Make({1, 2, 1, "charge", 1700000000000000001ULL, 1700000000000000999ULL,
                            "payments", true});
  auto add = [&](const char* key) {
    auto* kv = record.mutable_span()->add_attributes();
    kv->set_key(key);
    return kv->mutable_value();
  };
  add("s")->set_string_value("x");
  add("b")->set_bool_value(true);
  add("d")->set_double_value(1.5);
  add("by")->set_bytes_value(std::string("\x00\xff", 2));
  auto* array = add("a")->mutable_array_value();
  array->add_values()->set_int_value(-7);
  array->add_values()->set_string_value("y");
  record.mutable_span()->set_kind(otlp_trace::Span::SPAN_KIND_SERVER);
  record.mutable_span()->mutable_status()->set_message("declined");
  auto* event = record.mutable_span()->add_events();
  event->set_name("exception");
  event->set_time_unix_nano(1700000000000000500ULL);
  auto origin = std::make_shared<Origin>();
  origin->protocol = Protocol::kGrpc;
  origin->sls_project = "proj";
  origin->sls_instance_id = "inst";
  record.origin = origin;

  nlohmann::json json = SpanToJson(record);
  EXPECT_EQ(json["trace_id"], "0a00000000000000000000000000000" "1");
  EXPECT_EQ(json["span_id"], "0a00000000000002");
  EXPECT_EQ(json["parent_span_id"], "0a00000000000001");
  EXPECT_EQ(json["kind"], "server");
  EXPECT_EQ(json["kind_number"], 2);
  EXPECT_EQ(json["start_time_unix_nano"], "1700000000000000001");
  EXPECT_EQ(json["duration_ns"], "998");
  EXPECT_EQ(json["attributes"]["http.status_code"],
            (nlohmann::json{{"type", "int"}, {"value", "500"}}));
  EXPECT_EQ(json["attributes"]["s"], (nlohmann::json{{"type", "string"}, {"value", "x"}}));
  EXPECT_EQ(json["attributes"]["b"], (nlohmann::json{{"type", "bool"}, {"value", true}}));
  EXPECT_EQ(json["attributes"]["d"], (nlohmann::json{{"type", "double"}, {"value", 1.5}}));
  EXPECT_EQ(json["attributes"]["by"], (nlohmann::json{{"type", "bytes"}, {"value", "AP8="}}));
  EXPECT_EQ(json["attributes"]["a"]["type"], "array");
  EXPECT_EQ(json["attributes"]["a"]["value"][0],
            (nlohmann::json{{"type", "int"}, {"value", "-7"}}));
  EXPECT_EQ(json["status"], (nlohmann::json{{"code", "error"}, {"message", "declined"}}));
  EXPECT_EQ(json["events"][0]["time_unix_nano"], "1700000000000000500");
  EXPECT_EQ(json["service"], "payments");
  EXPECT_EQ(json["resource"]["attributes"]["service.name"]["value"], "payments");
  EXPECT_EQ(json["origin"], (nlohmann::json{{"protocol", "grpc"},
                                            {"sls_project", "proj"},
                                            {"sls_instance_id", "inst"}}));
}

TEST(QueryRenderTest, ParsesTraceQuery) {
  httplib::Params params{{"service", "a"}, {"attr", "http.url:http://x:1/"},
                         {"min_duration_ms", "1.5"}, {"error", "true"}, {"limit", "3"}};
  Result<TraceQuery> query = ParseTraceQuery(params);
  ASSERT_TRUE(query.ok());
  EXPECT_EQ(*query->service, "a");
  ASSERT_EQ(query->attributes.size(), 1u);
  EXPECT_EQ(query->attributes[0].first, "http.url");
  EXPECT_EQ(query->attributes[0].second, "http://x:1/");
  EXPECT_EQ(*query->min_duration_ns, 1'500'000u);
  EXPECT_TRUE(*query->error);
  EXPECT_EQ(query->limit, 3u);
  EXPECT_FALSE(ParseTraceQuery({{"limit", "0"}}).ok());
  EXPECT_FALSE(ParseTraceQuery({{"error", "yes"}}).ok());
  EXPECT_FALSE(ParseTraceQuery({{"attr", "novalue"}}).ok());
  EXPECT_FALSE(ParseTraceQuery({{"start_ns", "-1"}}).ok());
  EXPECT_FALSE(ParseTraceQuery({{"bogus", "1"}}).ok());
}

}  // namespace
}  // namespace ptx::emulator
