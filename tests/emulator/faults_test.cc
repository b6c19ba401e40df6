// Fault injection: the fault table (parsing, matching, counts, expiry) and its effect on each
// listener, driven in-process by real HTTP and gRPC clients.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator.h"
#include "faults.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "otlp_grpc.h"

namespace ptx::emulator {
namespace {

namespace collector = ::opentelemetry::proto::collector::trace::v1;
using nlohmann::json;

constexpr char kTraceMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

FaultSpec Spec(const json& body) {
  Result<FaultSpec> spec = ParseFaultSpec(body);
  EXPECT_TRUE(spec.ok()) << body.dump() << ": " << spec.status().ToString();
  return spec.ok() ? *spec : FaultSpec{};
}

TEST(FaultSpecTest, ParsesEveryField) {
  FaultSpec s = Spec({{"target", "otlp-http"}, {"path", "/v1/traces"}, {"count", 3},
                      {"http_status", 429}, {"retry_after_s", 2}, {"delay_ms", 10}});
  EXPECT_EQ(s.target, FaultTarget::kOtlpHttp);
  EXPECT_EQ(s.path, "/v1/traces");
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.http_status, 429);
  EXPECT_EQ(s.retry_after_s, 2);
  EXPECT_EQ(s.delay_ms, 10);
  EXPECT_TRUE(s.fails());

  FaultSpec g = Spec({{"target", "otlp-grpc"}, {"grpc_code", 14}, {"retry_delay_ms", 250}});
  EXPECT_EQ(g.count, 1);
  EXPECT_EQ(g.grpc_code, 14);
  EXPECT_EQ(g.retry_delay_ms, 250);

  FaultSpec d = Spec({{"target", "sls"}, {"delay_ms", 5}});
  EXPECT_FALSE(d.fails());
  EXPECT_TRUE(Spec({{"target", "sls"}, {"drop_connection", true}}).fails());
}

TEST(FaultSpecTest, RefusesWhatCannotApply) {
  for (const json& body : std::vector<json>{
           json::array(),
           {{"http_status", 503}},
           {{"target", "kafka"}, {"http_status", 503}},
           {{"target", "otlp-http"}},                                   // does nothing
           {{"target", "otlp-http"}, {"http_status", 200}},             // not an error
           {{"target", "otlp-http"}, {"http_status", 503}, {"count", 0}},
           {{"target", "otlp-http"}, {"grpc_code", 14}},                // wrong listener kind
           {{"target", "otlp-grpc"}, {"http_status", 503}},
           {{"target", "otlp-grpc"}, {"grpc_code", 0}},
           {{"target", "otlp-grpc"}, {"grpc_code", 17}},
           {{"target", "otlp-grpc"}, {"grpc_code", 14}, {"retry_after_s", 1}},
           {{"target", "otlp-http"}, {"http_status", 503}, {"retry_delay_ms", 1}},
           {{"target", "otlp-http"}, {"delay_ms", 5}, {"retry_after_s", 1}},
           {{"target", "otlp-http"}, {"http_status", 503}, {"drop_connection", true}},
           {{"target", "otlp-http"}, {"http_status", "503"}},
           {{"target", "otlp-http"}, {"http_status", 503}, {"path", "v1/traces"}},
           {{"target", "otlp-http"}, {"http_status", 503}, {"error_code", "ServerBusy"}},
           {{"target", "otlp-http"}, {"http_status", 503}, {"colour", "red"}},
       }) {
    EXPECT_FALSE(ParseFaultSpec(body).ok()) << body.dump();
  }
}

TEST(FaultTableTest, MatchesTargetAndPath) {
  FaultTable table;
  table.Add(Spec({{"target", "otlp-http"}, {"path", "/v1/logs"}, {"http_status", 503}}));
  table.Add(Spec({{"target", "sls"}, {"path", "/logstores/app"}, {"http_status", 503}}));
  EXPECT_FALSE(table.Take(FaultTarget::kOtlpHttp, "/v1/traces"));
  EXPECT_FALSE(table.Take(FaultTarget::kOtlpGrpc, "/v1/logs"));
  EXPECT_FALSE(table.Take(FaultTarget::kSls, "/logstores/app2/shards/lb"));
  EXPECT_FALSE(table.Take(FaultTarget::kSls, "/logstores"));
  EXPECT_EQ(table.List().size(), 2u);
  EXPECT_TRUE(table.Take(FaultTarget::kSls, "/logstores/app/shards/lb"));
  EXPECT_TRUE(table.Take(FaultTarget::kOtlpHttp, "/v1/logs"));
  EXPECT_TRUE(table.List().empty());

  EXPECT_TRUE(PathHasPrefix("/logstores/app", "/logstores/app"));
  EXPECT_TRUE(PathHasPrefix("/logstores/app/shards/lb", "/logstores/"));
  EXPECT_FALSE(PathHasPrefix("/logstores/apple", "/logstores/app"));
}

TEST(FaultTableTest, AnyPathMatchesEveryRequestOfTheTarget) {
  FaultTable table;
  table.Add(Spec({{"target", "otlp-grpc"}, {"grpc_code", 14}, {"count", 2}}));
  EXPECT_TRUE(table.Take(FaultTarget::kOtlpGrpc, kTraceMethod));
  EXPECT_TRUE(table.Take(FaultTarget::kOtlpGrpc, "/anything/Else"));
  EXPECT_FALSE(table.Take(FaultTarget::kOtlpGrpc, kTraceMethod));
}

TEST(FaultTableTest, CountsDownAndExpiresInOrder) {
  FaultTable table;
  uint64_t first = table.Add(Spec({{"target", "otlp-http"}, {"http_status", 503}, {"count", 2}}));
  uint64_t second = table.Add(Spec({{"target", "otlp-http"}, {"http_status", 400}}));
  EXPECT_LT(first, second);
  std::vector<PendingFault> pending = table.List();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].remaining, 2);
  EXPECT_EQ(table.Take(FaultTarget::kOtlpHttp, "/v1/traces")->http_status, 503);
  pending = table.List();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].remaining, 1);
  EXPECT_EQ(FaultToJson(pending[0])["remaining"], 1);
  EXPECT_EQ(FaultToJson(pending[0])["count"], 2);
  EXPECT_EQ(table.Take(FaultTarget::kOtlpHttp, "/v1/traces")->http_status, 503);
  pending = table.List();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, second);
  EXPECT_EQ(table.Take(FaultTarget::kOtlpHttp, "/v1/traces")->http_status, 400);
  EXPECT_FALSE(table.Take(FaultTarget::kOtlpHttp, "/v1/traces"));
  EXPECT_TRUE(table.List().empty());

  table.Add(Spec({{"target", "sls"}, {"http_status", 503}, {"count", 5}}));
  table.Clear();
  EXPECT_FALSE(table.Take(FaultTarget::kSls, "/logstores/x"));
}

TEST(FaultTableTest, ConcurrentTakesConsumeTheCountExactly) {
  FaultTable table;
  table.Add(Spec({{"target", "otlp-http"}, {"http_status", 503}, {"count", 1000}}));
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (table.Take(FaultTarget::kOtlpHttp, "/v1/traces")) ++taken;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(taken.load(), 1000);
  EXPECT_TRUE(table.List().empty());
}

TEST(FaultTableTest, GrpcStatusDetailsCarryRetryInfo) {
  google::rpc::Status status;
  ASSERT_TRUE(status.ParseFromString(EncodeGrpcStatusDetails(14, "busy", 1500)));
  EXPECT_EQ(status.code(), 14);
  EXPECT_EQ(status.message(), "busy");
  ASSERT_EQ(status.details_size(), 1);
  google::rpc::RetryInfo info;
  ASSERT_TRUE(status.details(0).UnpackTo(&info));
  EXPECT_EQ(info.retry_delay().seconds(), 1);
  EXPECT_EQ(info.retry_delay().nanos(), 500000000);
  ASSERT_TRUE(status.ParseFromString(EncodeGrpcStatusDetails(8, "", std::nullopt)));
  EXPECT_EQ(status.details_size(), 0);
}

class FaultServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmulatorOptions options;
    options.otlp_grpc_address = "127.0.0.1:0";
    options.http_address = "127.0.0.1:0";
    options.sls_address = "127.0.0.1:0";
    emulator_ = std::make_unique<Emulator>(options);
    Status started = emulator_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    http_ = std::make_unique<httplib::Client>("http://" + emulator_->addresses().http);
    sls_ = std::make_unique<httplib::Client>("http://" + emulator_->addresses().sls);
  }
  void TearDown() override {
    http_.reset();
    sls_.reset();
    emulator_->Shutdown();
  }

  void AddFault(const json& body) {
    auto res = http_->Post("/api/faults", body.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
  }
  json Faults() { return json::parse(http_->Get("/api/faults")->body)["faults"]; }
  json Stats() { return json::parse(http_->Get("/api/stats")->body); }

  std::string TraceRequest() {
    collector::ExportTraceServiceRequest request;
    auto* span = request.add_resource_spans()->add_scope_spans()->add_spans();
    span->set_trace_id(std::string(16, '\x07'));
    span->set_span_id(std::string(8, '\x01'));
    span->set_name("s");
    return request.SerializeAsString();
  }
  httplib::Result PostTrace() {
    return http_->Post("/v1/traces", TraceRequest(), "application/x-protobuf");
  }
  grpc::Status GrpcExport(grpc::ClientContext* ctx) {
    auto channel = grpc::CreateChannel(emulator_->addresses().otlp_grpc,
                                       grpc::InsecureChannelCredentials());
    auto stub = collector::TraceService::NewStub(channel);
    collector::ExportTraceServiceRequest request;
    request.ParseFromString(TraceRequest());
    collector::ExportTraceServiceResponse response;
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub->Export(ctx, request, &response);
  }

  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<httplib::Client> sls_;
};

TEST_F(FaultServerTest, ControlApiAddsListsAndClears) {
  auto bad = http_->Post("/api/faults", R"({"target":"otlp-http"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(json::parse(bad->body).contains("error"));
  EXPECT_EQ(http_->Post("/api/faults", "{", "application/json")->status, 400);

  AddFault({{"target", "otlp-http"}, {"path", "/v1/traces"}, {"http_status", 503}, {"count", 2}});
  AddFault({{"target", "sls"}, {"http_status", 403}});
  json faults = Faults();
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0]["target"], "otlp-http");
  EXPECT_EQ(faults[0]["remaining"], 2);
  EXPECT_EQ(faults[1]["http_status"], 403);
  EXPECT_EQ(http_->Delete("/api/faults")->status, 200);
  EXPECT_TRUE(Faults().empty());

  AddFault({{"target", "sls"}, {"http_status", 403}});
  EXPECT_EQ(http_->Post("/api/reset", "", "application/json")->status, 200);
  EXPECT_TRUE(Faults().empty());
}

TEST_F(FaultServerTest, OtlpHttpFaultAnswersRpcStatusAndStoresNothing) {
  AddFault({{"target", "otlp-http"}, {"path", "/v1/traces"}, {"http_status", 429},
            {"retry_after_s", 3}});
  auto res = PostTrace();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->get_header_value("Retry-After"), "3");
  google::rpc::Status status;
  ASSERT_TRUE(status.ParseFromString(res->body));
  EXPECT_EQ(status.code(), static_cast<int>(StatusCode::kResourceExhausted));
  EXPECT_EQ(emulator_->store().Counts().spans, 0u);

  res = PostTrace();  // the fault is used up
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(emulator_->store().Counts().spans, 1u);
  json stats = Stats();
  EXPECT_EQ(stats["faults"]["injected"], 1);
  EXPECT_EQ(stats["traces"]["rejected_requests"], 1);
  EXPECT_EQ(stats["traces"]["requests"], 1);
}

TEST_F(FaultServerTest, DelayOnlyIsStored) {
  AddFault({{"target", "otlp-http"}, {"delay_ms", 200}});
  auto started = std::chrono::steady_clock::now();
  auto res = PostTrace();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
  EXPECT_EQ(emulator_->store().Counts().spans, 1u);
  EXPECT_EQ(Stats()["faults"]["injected"], 1);
}

TEST_F(FaultServerTest, DroppedHttpConnectionGetsNoAnswer) {
  AddFault({{"target", "otlp-http"}, {"drop_connection", true}});
  auto res = PostTrace();
  EXPECT_FALSE(res);  // no response at all
  EXPECT_EQ(emulator_->store().Counts().spans, 0u);
  res = PostTrace();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(FaultServerTest, GrpcFaultCarriesCodeAndRetryInfo) {
  AddFault({{"target", "otlp-grpc"}, {"path", kTraceMethod}, {"grpc_code", 14},
            {"retry_delay_ms", 250}});
  grpc::ClientContext ctx;
  grpc::Status status = GrpcExport(&ctx);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::RetryInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.retry_delay().nanos(), 250000000);
  EXPECT_EQ(emulator_->store().Counts().spans, 0u);

  AddFault({{"target", "otlp-grpc"}, {"drop_connection", true}});
  grpc::ClientContext dropped;
  EXPECT_EQ(GrpcExport(&dropped).error_code(), grpc::StatusCode::UNAVAILABLE);

  grpc::ClientContext ok;
  EXPECT_TRUE(GrpcExport(&ok).ok());
  EXPECT_EQ(emulator_->store().Counts().spans, 1u);
  EXPECT_EQ(Stats()["faults"]["injected"], 2);
}

TEST_F(FaultServerTest, SlsFaultAnswersInSlsShape) {
  AddFault({{"target", "sls"}, {"path", "/logstores/app"}, {"http_status", 503}});
  AddFault({{"target", "sls"}, {"http_status", 403}, {"retry_after_s", 1}});
  httplib::Headers headers{{"Host", "proj.127.0.0.1"}};
  auto res = sls_->Get("/logstores/app/shards", headers);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_FALSE(res->get_header_value("x-log-requestid").empty());
  EXPECT_EQ(json::parse(res->body)["errorCode"], "ServerBusy");
  res = sls_->Get("/logstores/other/shards", headers);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  EXPECT_EQ(json::parse(res->body)["errorCode"], "WriteQuotaExceed");
  json stats = Stats();
  EXPECT_EQ(stats["faults"]["injected"], 2);
  EXPECT_EQ(stats["sls"]["rejected_requests"], 2);
}

}  // namespace
}  // namespace ptx::emulator
