#include "export_test_util.h"
#include "ptx/export/otlp_span_exporter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "test_servers.h"

namespace ptx {
namespace {

using export_test::Errors;
using export_test::HttpOptions;
using export_test::MakeResource;

using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test_servers::GrpcAnswer;
using test_servers::GrpcTestServer;
using test_servers::HttpTestServer;
using test_servers::SilentServer;

SpanBatch MakeBatch(int n) {
  SpanBatch batch;
  for (int i = 0; i < n; ++i) {
    auto span = std::make_unique<SpanData>();
    span->context.trace_id.bytes[15] = 1;
    span->context.span_id.bytes[7] = static_cast<uint8_t>(i + 1);
    span->context.trace_flags = kTraceFlagSampled;
    span->name = "span-" + std::to_string(i);
    span->start_time_unix_nano = 1000;
    span->end_time_unix_nano = 2000;
    batch.push_back(std::move(span));
  }
  return batch;
}


std::unique_ptr<OtlpSpanExporter> MakeExporter(OtlpExporterOptions o, Errors* errors = nullptr) {
  auto e = OtlpSpanExporter::Create(std::move(o), MakeResource(),
                                    errors != nullptr ? errors->Hook() : nullptr);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return std::move(e).value();
}

TEST(OtlpSpanExporterTest, HttpExportsEncodedSpansAndCountsPartialSuccess) {
  std::mutex mu;
  std::string path, user_agent;
  ExportTraceServiceRequest received;
  HttpTestServer server([&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    path = req.path;
    user_agent = req.get_header_value("User-Agent");
    received.ParseFromString(req.body);
    ExportTraceServiceResponse response;
    response.mutable_partial_success()->set_rejected_spans(1);
    response.mutable_partial_success()->set_error_message("span-2 too old");
    res.status = 200;
    res.set_content(response.SerializeAsString(), "application/x-protobuf");
  });
  Errors errors;
  auto exporter = MakeExporter(HttpOptions(server.Url("")), &errors);
  Status s = exporter->Export(MakeBatch(3), SteadyClock::now() + seconds(5));
  ASSERT_TRUE(s.ok()) << s.ToString();

  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(path, "/v1/traces");
    EXPECT_EQ(user_agent.rfind("OTel-OTLP-Exporter-Python/pytracingx-", 0), 0u) << user_agent;
    ASSERT_EQ(received.resource_spans_size(), 1);
    const auto& rs = received.resource_spans(0);
    ASSERT_GE(rs.resource().attributes_size(), 1);
    EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
    int spans = 0;
    for (const auto& ss : rs.scope_spans()) spans += ss.spans_size();
    EXPECT_EQ(spans, 3);
  }
  EXPECT_EQ(exporter->stats().exported_spans.load(), 2u);
  EXPECT_EQ(exporter->stats().rejected_spans.load(), 1u);
  EXPECT_EQ(exporter->stats().failed_spans.load(), 0u);
  auto seen = errors.Get();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].code(), StatusCode::kDataLoss);
  EXPECT_NE(seen[0].message().find("span-2 too old"), std::string::npos);
}

TEST(OtlpSpanExporterTest, HttpRetriesAndCounts) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    res.status = hits++ == 0 ? 503 : 200;
  });
  OtlpExporterOptions o = HttpOptions(server.Url("/"));
  o.compression = compression::Codec::kGzip;
  auto exporter = MakeExporter(o);
  ASSERT_TRUE(exporter->Export(MakeBatch(4), SteadyClock::now() + seconds(5)).ok());
  EXPECT_EQ(hits.load(), 2);
  EXPECT_EQ(exporter->stats().retries.load(), 1u);
  EXPECT_EQ(exporter->stats().exported_spans.load(), 4u);
}

TEST(OtlpSpanExporterTest, PermanentFailureIsReportedAndCounted) {
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    res.status = 400;
  });
  Errors errors;
  auto exporter = MakeExporter(HttpOptions(server.Url("")), &errors);
  Status s = exporter->Export(MakeBatch(3), SteadyClock::now() + seconds(5));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(exporter->stats().failed_spans.load(), 3u);
  EXPECT_EQ(exporter->stats().exported_spans.load(), 0u);
  ASSERT_EQ(errors.Get().size(), 1u);
  EXPECT_EQ(errors.Get()[0], s);
}

TEST(OtlpSpanExporterTest, GrpcExportsWithMetadata) {
  GrpcTestServer server({GrpcAnswer{}});
  OtlpExporterOptions o;
  o.protocol = OtlpExporterOptions::Protocol::kGrpc;
  o.endpoint = "http://" + server.Target();
  o.headers = {{"X-Tenant", "acme"}};
  o.compression = compression::Codec::kGzip;
  auto exporter = MakeExporter(o);
  Status s = exporter->Export(MakeBatch(2), SteadyClock::now() + seconds(5));
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto calls = server.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  auto it = calls[0].metadata.find("x-tenant");
  ASSERT_NE(it, calls[0].metadata.end());
  EXPECT_EQ(it->second, "acme");
  ExportTraceServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(calls[0].body));
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(1).name(), "span-1");
  EXPECT_EQ(exporter->stats().exported_spans.load(), 2u);
}

TEST(OtlpSpanExporterTest, ShutdownInterruptsTheBackoff) {
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_header("Retry-After", "10");
  });
  OtlpExporterOptions o = HttpOptions(server.Url(""));
  o.timeout = seconds(30);
  auto exporter = MakeExporter(o);
  auto start = SteadyClock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(150));
    exporter->Shutdown(SteadyClock::now() + seconds(1));
  });
  Status s = exporter->Export(MakeBatch(1), start + seconds(30));
  stopper.join();
  EXPECT_FALSE(s.ok());
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1000));
  EXPECT_EQ(exporter->Export(MakeBatch(2), SteadyClock::now() + seconds(5)).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(exporter->stats().failed_spans.load(), 3u);
}

TEST(OtlpSpanExporterTest, ShutdownCancelsTheRequestInFlight) {
  SilentServer silent;
  OtlpExporterOptions o = HttpOptions("http://127.0.0.1:" + std::to_string(silent.port()));
  o.timeout = seconds(30);
  auto exporter = MakeExporter(o);
  auto start = SteadyClock::now();
  SteadyClock::duration shutdown_took{};
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(150));
    auto t0 = SteadyClock::now();
    exporter->Shutdown(t0 + seconds(5));
    shutdown_took = SteadyClock::now() - t0;
  });
  Status s = exporter->Export(MakeBatch(1), start + seconds(30));
  stopper.join();
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(600));
  EXPECT_LT(shutdown_took, milliseconds(300));
}

TEST(OtlpSpanExporterTest, TimeoutOptionBoundsTheExport) {
  SilentServer silent;
  OtlpExporterOptions o = HttpOptions("http://127.0.0.1:" + std::to_string(silent.port()));
  o.timeout = milliseconds(250);
  auto exporter = MakeExporter(o);
  auto start = SteadyClock::now();
  Status s = exporter->Export(MakeBatch(1), start + seconds(30));
  auto elapsed = SteadyClock::now() - start;
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s.ToString();
  EXPECT_GE(elapsed, milliseconds(240));
  EXPECT_LT(elapsed, milliseconds(700));
}

TEST(OtlpSpanExporterTest, CreateRejectsWhatTheProtocolCannotUse) {
  OtlpExporterOptions grpc;
  grpc.protocol = OtlpExporterOptions::Protocol::kGrpc;
  grpc.endpoint = "ftp://collector:4317";
  EXPECT_EQ(OtlpSpanExporter::Create(grpc, MakeResource()).status().code(),
            StatusCode::kInvalidArgument);
  grpc.endpoint = "collector:4317";
  grpc.compression = compression::Codec::kZstd;
  EXPECT_EQ(OtlpSpanExporter::Create(grpc, MakeResource()).status().code(),
            StatusCode::kInvalidArgument);
  OtlpExporterOptions http;
  http.compression = compression::Codec::kLz4;
  EXPECT_EQ(OtlpSpanExporter::Create(http, MakeResource()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(OtlpSpanExporterTest, EmptyBatchSendsNothing) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 200;
  });
  auto exporter = MakeExporter(HttpOptions(server.Url("")));
  EXPECT_TRUE(exporter->Export(SpanBatch{}, SteadyClock::now() + seconds(5)).ok());
  EXPECT_EQ(hits.load(), 0);
}

}  // namespace
}  // namespace ptx
