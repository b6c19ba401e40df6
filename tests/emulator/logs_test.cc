// OTLP logs: the log table's filters, and LogsService/Export over gRPC read back from
// /api/logs and (with the trace-instance metadata) from the SLS logstore {instance}-logs.
#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "options.h"
#include "ptx/base/clock.h"
#include "query_api.h"
#include "sls_otlp.h"
#include "store.h"

namespace ptx::emulator {
namespace {

namespace collector = ::opentelemetry::proto::collector::logs::v1;
using nlohmann::json;

LogRecordEntry Entry(uint64_t time, int severity, const std::string& body,
                     const std::string& service, const std::string& trace_id = "") {
  auto resource = std::make_shared<ResourceInfo>();
  resource->service_name = service;
  LogRecordEntry entry;
  entry.resource = resource;
  entry.mutable_record()->set_time_unix_nano(time);
  entry.mutable_record()->set_severity_number(static_cast<otlp_logs::SeverityNumber>(severity));
  entry.mutable_record()->mutable_body()->set_string_value(body);
  entry.mutable_record()->set_trace_id(trace_id);
  return entry;
}

std::vector<std::string> Bodies(const std::vector<LogPtr>& logs) {
  std::vector<std::string> out;
  for (const LogPtr& log : logs) out.push_back(log->record().body().string_value());
  return out;
}

TEST(LogTableTest, FiltersOrderAndEviction) {
  LogTable table(3);
  std::vector<LogRecordEntry> records;
  records.push_back(Entry(10, 9, "Started", "a"));
  records.push_back(Entry(30, 17, "failed hard", "b", std::string(16, '\x01')));
  records.push_back(Entry(20, 13, "slow start", "a"));
  table.Add(std::move(records));
  size_t total = 0;
  EXPECT_EQ(Bodies(table.List(LogQuery{}, &total)),
            (std::vector<std::string>{"failed hard", "slow start", "Started"}));
  EXPECT_EQ(total, 3u);
  LogQuery q;
  q.text = "START";
  EXPECT_EQ(Bodies(table.List(q, &total)), (std::vector<std::string>{"slow start", "Started"}));
  q = LogQuery{};
  q.severity_min = 13;
  q.limit = 1;
  EXPECT_EQ(Bodies(table.List(q, &total)), (std::vector<std::string>{"failed hard"}));
  EXPECT_EQ(total, 2u);
  q = LogQuery{};
  q.trace_id = std::string(16, '\x01');
  EXPECT_EQ(Bodies(table.List(q, &total)), (std::vector<std::string>{"failed hard"}));
  q = LogQuery{};
  q.service = "a";
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(Bodies(table.List(q, &total)), (std::vector<std::string>{"slow start", "Started"}));

  std::vector<LogRecordEntry> more;
  more.push_back(Entry(40, 9, "newest", "a"));
  table.Add(std::move(more));
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.evicted(), 1u);
  EXPECT_EQ(Bodies(table.List(LogQuery{}, &total)),
            (std::vector<std::string>{"newest", "failed hard", "slow start"}));
}

TEST(LogQueryTest, ParsesParameters) {
  httplib::Params params{{"text", "x"}, {"severity_min", "9"}, {"service", "s"}, {"limit", "5"},
                         {"trace_id", "5B8EFFF798038103D269B633813FC60C"}};
  Result<LogQuery> q = ParseLogQuery(params);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(*q->severity_min, 9);
  EXPECT_EQ(q->trace_id->size(), 16u);
  EXPECT_EQ(q->limit, 5u);
  for (auto bad : {httplib::Params{{"severity_min", "25"}}, httplib::Params{{"limit", "0"}},
                   httplib::Params{{"trace_id", "zz"}}, httplib::Params{{"other", "1"}}}) {
    EXPECT_FALSE(ParseLogQuery(bad).ok());
  }
}

TEST(SlsOtlpTest, LogsBecomeStringContents) {
  std::vector<LogRecordEntry> records;
  records.push_back(Entry(0, 9, "hello", "svc"));
  auto* attr = records[0].mutable_record()->add_attributes();
  attr->set_key("n");
  attr->mutable_value()->set_int_value(3);
  records[0].mutable_record()->set_observed_time_unix_nano(1'700'000'000'123'456'789);
  encoding::SlsLogGroup group = LogsToSlsLogGroup(records, 5);
  ASSERT_EQ(group.logs.size(), 1u);
  EXPECT_EQ(group.logs[0].time, 1'700'000'000u);
  EXPECT_EQ(group.logs[0].time_ns, 123'456'789u);
  std::map<std::string, std::string> contents;
  for (const auto& c : group.logs[0].contents) contents[c.key] = c.value;
  EXPECT_EQ(contents["content"], "hello");
  EXPECT_EQ(contents["attribute"], "{\"n\":3}");
  EXPECT_EQ(contents["severityNumber"], "9");
  EXPECT_EQ(contents["service"], "svc");
  EXPECT_EQ(TraceInstanceLogStore("i", Signal::kLogs), "i-logs");
}

TEST(LogsServerTest, GrpcExportIsQueryableAndWrittenThrough) {
  EmulatorOptions options;
  options.otlp_grpc_address = "127.0.0.1:0";
  options.http_address = "127.0.0.1:0";
  options.sls_address = "127.0.0.1:0";
  Emulator emulator(options);
  ASSERT_TRUE(emulator.Start().ok());

  const uint64_t now = NowUnixNanos();
  collector::ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  auto* kv = rl->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("grpc-logs");
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("grpc.scope");
  auto* record = sl->add_log_records();
  record->set_time_unix_nano(now);
  record->set_severity_number(otlp_logs::SEVERITY_NUMBER_WARN);
  record->set_severity_text("WARN");
  record->mutable_body()->set_string_value("disk almost full");

  auto channel = grpc::CreateChannel(emulator.addresses().otlp_grpc,
                                     grpc::InsecureChannelCredentials());
  auto stub = collector::LogsService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ctx.AddMetadata("x-sls-otel-project", "proj");
  ctx.AddMetadata("x-sls-otel-instance-id", "inst");
  collector::ExportLogsServiceResponse response;
  grpc::Status status = stub->Export(&ctx, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  httplib::Client http("http://" + emulator.addresses().http);
  auto res = http.Get("/api/logs?severity_min=13");
  ASSERT_TRUE(res);
  json logs = json::parse(res->body);
  ASSERT_EQ(logs["total"], 1);
  EXPECT_EQ(logs["logs"][0]["body"], (json{{"type", "string"}, {"value", "disk almost full"}}));
  EXPECT_EQ(logs["logs"][0]["time_unix_nano"], std::to_string(now));
  EXPECT_EQ(logs["logs"][0]["origin"]["protocol"], "grpc");
  EXPECT_EQ(logs["logs"][0]["scope"]["name"], "grpc.scope");

  httplib::Client sls("http://" + emulator.addresses().sls);
  httplib::Headers headers{{"x-log-apiversion", "0.6.0"}, {"Date", "d"},
                           {"Host", "proj.127.0.0.1"}};
  int64_t s = static_cast<int64_t>(now / 1'000'000'000);
  res = sls.Get("/logstores/inst-logs?type=log&from=" + std::to_string(s) +
                    "&to=" + std::to_string(s + 1) + "&query=almost",
                headers);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json rows = json::parse(res->body);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["content"], "disk almost full");
  EXPECT_EQ(rows[0]["severityText"], "WARN");
  EXPECT_EQ(rows[0]["service"], "grpc-logs");

  res = http.Get("/api/stats");
  json stats = json::parse(res->body);
  EXPECT_EQ(stats["logs"]["by_protocol"]["grpc"]["items"], 1);
  EXPECT_EQ(stats["log_store"]["logs"], 1);
  EXPECT_EQ(stats["sls_store"]["logs"], 1);
  emulator.Shutdown();
}

}  // namespace
}  // namespace ptx::emulator
