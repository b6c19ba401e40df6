#include "otlp_json.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "ptx/base/hex.h"

namespace ptx::emulator {
namespace {

using ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using ::opentelemetry::proto::trace::v1::Span;

constexpr char kTraceHex[] = "5b8efff798038103d269b633813fc60c";
constexpr char kSpanHex[] = "eee19b7ec3c1b174";
constexpr char kParentHex[] = "eee19b7ec3c1b173";

std::string Bytes(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  EXPECT_TRUE(HexDecode(hex, reinterpret_cast<uint8_t*>(out.data()), out.size()));
  return out;
}

std::string OneSpan(const std::string& span_fields) {
  return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
            "scopeSpans":[{"scope":{"name":"lib","version":"1.2"},"spans":[{)" +
         span_fields + "}]}]}]}";
}

TEST(OtlpJsonTest, DecodesHexIdsAndInt64Strings) {
  std::string body = OneSpan(std::string(R"("traceId":")") + kTraceHex + R"(","spanId":")" +
                             kSpanHex + R"(","parentSpanId":")" + kParentHex + R"(",
      "name":"GET /cart","kind":2,
      "startTimeUnixNano":"1700000000000000001","endTimeUnixNano":1700000000000000999,
      "attributes":[{"key":"big","value":{"intValue":"9007199254740993"}},
                    {"key":"n","value":{"intValue":5}}],
      "status":{"code":2,"message":"boom"},"flags":257)");
  ExportTraceServiceRequest request;
  ASSERT_TRUE(OtlpJsonToMessage(body, &request).ok());
  const Span& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_id(), Bytes(kTraceHex));
  EXPECT_EQ(span.span_id(), Bytes(kSpanHex));
  EXPECT_EQ(span.parent_span_id(), Bytes(kParentHex));
  EXPECT_EQ(span.kind(), Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), 1700000000000000001ULL);
  EXPECT_EQ(span.end_time_unix_nano(), 1700000000000000999ULL);
  EXPECT_EQ(span.attributes(0).value().int_value(), 9007199254740993LL);
  EXPECT_EQ(span.attributes(1).value().int_value(), 5);
  EXPECT_EQ(span.status().code(), ::opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.flags(), 257u);
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).scope().version(), "1.2");
}

TEST(OtlpJsonTest, AcceptsEnumNamesUppercaseHexAndIgnoresUnknownFields) {
  std::string body = OneSpan(R"("traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
      "kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_OK"},"someFutureField":{"x":[1,2]})");
  ExportTraceServiceRequest request;
  Status status = OtlpJsonToMessage(body, &request);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const Span& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_id(), Bytes(kTraceHex));
  EXPECT_EQ(span.kind(), Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(span.status().code(), ::opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
}

TEST(OtlpJsonTest, BytesAttributesStayBase64) {
  std::string body = OneSpan(std::string(R"("traceId":")") + kTraceHex + R"(","spanId":")" +
                             kSpanHex + R"(","attributes":[{"key":"b","value":{"bytesValue":"AAEC"}}])");
  ExportTraceServiceRequest request;
  ASSERT_TRUE(OtlpJsonToMessage(body, &request).ok());
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(0).attributes(0).value().bytes_value(),
            std::string("\x00\x01\x02", 3));
}

TEST(OtlpJsonTest, RefusesBadInput) {
  ExportTraceServiceRequest request;
  EXPECT_EQ(OtlpJsonToMessage("{", &request).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpJsonToMessage("[]", &request).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpJsonToMessage("", &request).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpJsonToMessage(OneSpan(R"("traceId":"xyz")"), &request).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpJsonToMessage(OneSpan(R"("traceId":"abc")"), &request).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpJsonToMessage(R"({"resourceSpans":"nope"})", &request).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OtlpJsonToMessage(OneSpan(R"("startTimeUnixNano":"-5")"), &request).code(),
            StatusCode::kInvalidArgument);
  std::string deep(10000, '[');
  EXPECT_EQ(OtlpJsonToMessage(deep, &request).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(request.resource_spans_size(), 0);
}

TEST(OtlpJsonTest, DepthCheckSkipsBracketsInStrings) {
  EXPECT_TRUE(JsonDepthWithin(R"({"a":"[[[[[[[[[[\"[[["})", 2));
  EXPECT_FALSE(JsonDepthWithin("[[[", 2));
  EXPECT_TRUE(JsonDepthWithin("[[]]", 2));
}

TEST(OtlpJsonTest, EncodesHexIdsEnumIntsAndInt64Strings) {
  ExportTraceServiceRequest request;
  Span* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(Bytes(kTraceHex));
  span->set_span_id(Bytes(kSpanHex));
  span->set_kind(Span::SPAN_KIND_PRODUCER);
  span->set_start_time_unix_nano(1700000000000000001ULL);
  auto* link = span->add_links();
  link->set_trace_id(Bytes(kTraceHex));
  link->set_span_id(Bytes(kParentHex));

  Result<std::string> json = MessageToOtlpJson(request);
  ASSERT_TRUE(json.ok());
  auto doc = nlohmann::json::parse(*json);
  const auto& out = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(out["traceId"], kTraceHex);
  EXPECT_EQ(out["spanId"], kSpanHex);
  EXPECT_EQ(out["kind"], 4);
  EXPECT_EQ(out["startTimeUnixNano"], "1700000000000000001");
  EXPECT_EQ(out["links"][0]["spanId"], kParentHex);

  ExportTraceServiceRequest back;
  ASSERT_TRUE(OtlpJsonToMessage(*json, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), request.SerializeAsString());
}

}  // namespace
}  // namespace ptx::emulator
