#include "export_test_util.h"
#include "ptx/export/otlp_log_exporter.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "test_servers.h"

namespace ptx {
namespace {

using export_test::Errors;
using export_test::HttpOptions;
using export_test::MakeResource;

using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test_servers::GrpcAnswer;
using test_servers::GrpcTestServer;
using test_servers::HttpTestServer;

LogBatch MakeBatch(int n) {
  LogBatch batch;
  for (int i = 0; i < n; ++i) {
    auto r = std::make_unique<LogRecordData>();
    r->time_unix_nano = 1000 + i;
    r->observed_time_unix_nano = 2000 + i;
    r->severity_number = kSeverityInfo;
    r->severity_text = "INFO";
    r->body = std::string("log-" + std::to_string(i));
    r->trace_id.bytes[15] = 1;
    r->span_id.bytes[7] = static_cast<uint8_t>(i + 1);
    batch.push_back(std::move(r));
  }
  return batch;
}


std::unique_ptr<OtlpLogExporter> MakeExporter(OtlpExporterOptions o, Errors* errors = nullptr) {
  auto e = OtlpLogExporter::Create(std::move(o), MakeResource(),
                                   errors != nullptr ? errors->Hook() : nullptr);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return std::move(e).value();
}

TEST(OtlpLogExporterTest, HttpPostsToV1LogsAndCountsPartialSuccess) {
  std::mutex mu;
  std::string path, content_type;
  ExportLogsServiceRequest received;
  HttpTestServer server([&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    path = req.path;
    content_type = req.get_header_value("Content-Type");
    received.ParseFromString(req.body);
    ExportLogsServiceResponse response;
    response.mutable_partial_success()->set_rejected_log_records(1);
    response.mutable_partial_success()->set_error_message("log-2 too large");
    res.status = 200;
    res.set_content(response.SerializeAsString(), "application/x-protobuf");
  });
  Errors errors;
  auto exporter = MakeExporter(HttpOptions(server.Url("")), &errors);
  Status s = exporter->Export(MakeBatch(3), SteadyClock::now() + seconds(5));
  ASSERT_TRUE(s.ok()) << s.ToString();
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(path, "/v1/logs");
    EXPECT_EQ(content_type, "application/x-protobuf");
    ASSERT_EQ(received.resource_logs_size(), 1);
    const auto& rl = received.resource_logs(0);
    EXPECT_EQ(rl.resource().attributes(0).value().string_value(), "checkout");
    ASSERT_EQ(rl.scope_logs_size(), 1);
    ASSERT_EQ(rl.scope_logs(0).log_records_size(), 3);
    const auto& r = rl.scope_logs(0).log_records(2);
    EXPECT_EQ(r.body().string_value(), "log-2");
    EXPECT_EQ(r.time_unix_nano(), 1002u);
    EXPECT_EQ(r.observed_time_unix_nano(), 2002u);
    EXPECT_EQ(r.severity_text(), "INFO");
    EXPECT_EQ(r.span_id().size(), 8u);
  }
  EXPECT_EQ(exporter->stats().exported_logs.load(), 2u);
  EXPECT_EQ(exporter->stats().rejected_logs.load(), 1u);
  EXPECT_EQ(exporter->stats().requests.load(), 1u);
  auto seen = errors.Get();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].code(), StatusCode::kDataLoss);
  EXPECT_NE(seen[0].message().find("1 log records rejected"), std::string::npos)
      << seen[0].message();
  EXPECT_NE(seen[0].message().find("log-2 too large"), std::string::npos);
}

TEST(OtlpLogExporterTest, HttpRetriesWithGzip) {
  std::atomic<int> hits{0};
  std::string encoding;
  HttpTestServer server([&](const httplib::Request& req, httplib::Response& res) {
    encoding = req.get_header_value("Content-Encoding");
    res.status = hits++ == 0 ? 503 : 200;
  });
  OtlpExporterOptions o = HttpOptions(server.Url("/"));
  o.compression = compression::Codec::kGzip;
  auto exporter = MakeExporter(o);
  ASSERT_TRUE(exporter->Export(MakeBatch(4), SteadyClock::now() + seconds(5)).ok());
  EXPECT_EQ(hits.load(), 2);
  EXPECT_EQ(encoding, "gzip");
  EXPECT_EQ(exporter->stats().retries.load(), 1u);
  EXPECT_EQ(exporter->stats().exported_logs.load(), 4u);
}

TEST(OtlpLogExporterTest, PermanentFailureIsReportedOnce) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 400;
  });
  Errors errors;
  auto exporter = MakeExporter(HttpOptions(server.Url("")), &errors);
  Status s = exporter->Export(MakeBatch(2), SteadyClock::now() + seconds(5));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(hits.load(), 1);
  EXPECT_EQ(exporter->stats().failed_logs.load(), 2u);
  ASSERT_EQ(errors.Get().size(), 1u);
  EXPECT_EQ(errors.Get()[0], s);
}

TEST(OtlpLogExporterTest, GrpcCallsTheLogsServiceWithMetadata) {
  GrpcTestServer server({GrpcAnswer{}});
  OtlpExporterOptions o;
  o.protocol = OtlpExporterOptions::Protocol::kGrpc;
  o.endpoint = "http://" + server.Target();
  o.headers = {{"x-sls-otel-project", "proj"}};
  auto exporter = MakeExporter(o);
  Status s = exporter->Export(MakeBatch(2), SteadyClock::now() + seconds(5));
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto calls = server.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "/opentelemetry.proto.collector.logs.v1.LogsService/Export");
  auto it = calls[0].metadata.find("x-sls-otel-project");
  ASSERT_NE(it, calls[0].metadata.end());
  EXPECT_EQ(it->second, "proj");
  ExportLogsServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(calls[0].body));
  EXPECT_EQ(request.resource_logs(0).scope_logs(0).log_records(1).body().string_value(), "log-1");
  EXPECT_EQ(exporter->stats().exported_logs.load(), 2u);
}

TEST(OtlpLogExporterTest, ForkedChildReopensTheTransport) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 200;
  });
  auto exporter = MakeExporter(HttpOptions(server.Url("")));
  ASSERT_TRUE(exporter->Export(MakeBatch(1), SteadyClock::now() + seconds(5)).ok());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    exporter->AfterForkChild();  // what the processor calls before the child's worker starts
    const bool ok = exporter->Export(MakeBatch(1), SteadyClock::now() + seconds(5)).ok();
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(hits.load(), 2);
  // The parent's exporter is unaffected.
  ASSERT_TRUE(exporter->Export(MakeBatch(1), SteadyClock::now() + seconds(5)).ok());
  EXPECT_EQ(hits.load(), 3);
}

TEST(OtlpLogExporterTest, ShutdownAndEmptyBatches) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 200;
  });
  auto exporter = MakeExporter(HttpOptions(server.Url("")));
  EXPECT_TRUE(exporter->Export(LogBatch{}, SteadyClock::now() + seconds(5)).ok());
  EXPECT_EQ(hits.load(), 0);
  exporter->Shutdown(SteadyClock::now() + seconds(1));
  EXPECT_EQ(exporter->Export(MakeBatch(2), SteadyClock::now() + seconds(5)).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(exporter->stats().failed_logs.load(), 2u);
}

}  // namespace
}  // namespace ptx
