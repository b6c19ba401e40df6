// The emulator in-process on ephemeral ports, driven by real HTTP and gRPC clients.
#include <atomic>
#include <future>
#include <random>
#include <thread>
#include <vector>
#include <memory>
#include <string>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "options.h"
#include "ptx/base/hex.h"
#include "ptx/compression/codec.h"

namespace ptx::emulator {
namespace {

namespace collector = ::opentelemetry::proto::collector::trace::v1;
using nlohmann::json;

constexpr char kTraceHex[] = "5b8efff798038103d269b633813fc60c";

std::string Bytes(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  EXPECT_TRUE(HexDecode(hex, reinterpret_cast<uint8_t*>(out.data()), out.size()));
  return out;
}

collector::ExportTraceServiceRequest Request(const std::string& name, int spans = 1) {
  collector::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("grpc-svc");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("test-scope");
  for (int i = 0; i < spans; ++i) {
    auto* span = ss->add_spans();
    span->set_trace_id(Bytes(kTraceHex));
    span->set_span_id(std::string(7, '\x01') + static_cast<char>(i + 1));
    span->set_name(name);
    span->set_start_time_unix_nano(1000 + i);
    span->set_end_time_unix_nano(2000 + i);
  }
  return request;
}

class EmulatorServerTest : public ::testing::Test {
 protected:
  void StartEmulator(EmulatorOptions options = {}) {
    options.otlp_grpc_address = "127.0.0.1:0";
    options.http_address = "127.0.0.1:0";
    options.sls_address = "127.0.0.1:0";
    emulator_ = std::make_unique<Emulator>(options);
    Status started = emulator_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    http_ = std::make_unique<httplib::Client>("http://" + emulator_->addresses().http);
    channel_ = grpc::CreateChannel(emulator_->addresses().otlp_grpc,
                                   grpc::InsecureChannelCredentials());
  }
  void SetUp() override { StartEmulator(); }
  void TearDown() override {
    http_.reset();
    if (emulator_) emulator_->Shutdown();
  }

  grpc::Status Export(const collector::ExportTraceServiceRequest& request,
                      collector::ExportTraceServiceResponse* response,
                      grpc_compression_algorithm compression = GRPC_COMPRESS_NONE,
                      const std::string& token = "") {
    auto stub = collector::TraceService::NewStub(channel_);
    grpc::ClientContext ctx;
    ctx.set_compression_algorithm(compression);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.AddMetadata("x-sls-otel-project", "proj");
    ctx.AddMetadata("x-sls-otel-instance-id", "inst");
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    return stub->Export(&ctx, request, response);
  }

  json GetJson(const std::string& path, int expect_status = 200) {
    auto res = http_->Get(path);
    EXPECT_TRUE(res);
    if (!res) return nullptr;
    EXPECT_EQ(res->status, expect_status) << path << ": " << res->body;
    return json::parse(res->body, nullptr, false);
  }

  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<httplib::Client> http_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(EmulatorServerTest, ReadyLineHasBoundPorts) {
  const BoundAddresses& a = emulator_->addresses();
  EXPECT_EQ(a.http.rfind("127.0.0.1:", 0), 0u);
  EXPECT_NE(a.http, "127.0.0.1:0");
  EXPECT_NE(a.otlp_grpc, "127.0.0.1:0");
  EXPECT_NE(a.sls, "127.0.0.1:0");
  EXPECT_EQ(emulator_->ReadyLine(),
            "ptx-emulator ready otlp-grpc=" + a.otlp_grpc + " http=" + a.http + " sls=" + a.sls +
                " ui=http://" + a.http + "/ui/");
  EXPECT_EQ(GetJson("/health"), (json{{"status", "ok"}}));
}

TEST_F(EmulatorServerTest, GrpcExportIsStoredWithOrigin) {
  collector::ExportTraceServiceResponse response;
  grpc::Status status = Export(Request("grpc-span", 2), &response, GRPC_COMPRESS_GZIP);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.has_partial_success());

  json trace = GetJson(std::string("/api/traces/") + kTraceHex);
  ASSERT_EQ(trace["span_count"], 2);
  EXPECT_EQ(trace["spans"][0]["name"], "grpc-span");
  EXPECT_EQ(trace["spans"][0]["service"], "grpc-svc");
  EXPECT_EQ(trace["spans"][0]["scope"]["name"], "test-scope");
  EXPECT_EQ(trace["spans"][0]["origin"],
            (json{{"protocol", "grpc"}, {"sls_project", "proj"}, {"sls_instance_id", "inst"}}));
  json stats = GetJson("/api/stats");
  EXPECT_EQ(stats["traces"]["by_protocol"]["grpc"]["requests"], 1);
  EXPECT_EQ(stats["traces"]["by_protocol"]["grpc"]["items"], 2);
}

TEST_F(EmulatorServerTest, GrpcMetricsAndLogsAreAcceptedAndCounted) {
  grpc::GenericStub stub(channel_);
  for (const char* method : {"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
                             "/opentelemetry.proto.collector.logs.v1.LogsService/Export"}) {
    grpc::ClientContext ctx;
    grpc::Slice empty(std::string{});  // an empty message is a valid, empty export
    grpc::ByteBuffer request(&empty, 1), response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) { done.set_value(s); });
    EXPECT_TRUE(done.get_future().get().ok()) << method;
  }
  json stats = GetJson("/api/stats");
  EXPECT_EQ(stats["metrics"]["by_protocol"]["grpc"]["requests"], 1);
  EXPECT_EQ(stats["logs"]["by_protocol"]["grpc"]["requests"], 1);
}

TEST_F(EmulatorServerTest, GrpcRefusesGarbageWithInvalidArgument) {
  grpc::GenericStub stub(channel_);
  grpc::ClientContext ctx;
  grpc::Slice slice(std::string("\xff\xff\xff\xff garbage", 12));
  grpc::ByteBuffer request(&slice, 1), response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                 grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) { done.set_value(s); });
  EXPECT_EQ(done.get_future().get().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Still serving, nothing stored.
  collector::ExportTraceServiceResponse ok_response;
  EXPECT_TRUE(Export(Request("after"), &ok_response).ok());
  EXPECT_EQ(GetJson("/api/traces")["total"], 1);
  EXPECT_EQ(GetJson("/api/stats")["traces"]["by_protocol"]["grpc"]["rejected_requests"], 1);
}

TEST_F(EmulatorServerTest, GrpcPartialSuccessForInvalidIds) {
  collector::ExportTraceServiceRequest request = Request("ok", 1);
  auto* bad = request.mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans();
  bad->set_trace_id("short");
  bad->set_span_id(std::string(8, '\x02'));
  collector::ExportTraceServiceResponse response;
  ASSERT_TRUE(Export(request, &response).ok());
  EXPECT_EQ(response.partial_success().rejected_spans(), 1);
  EXPECT_NE(response.partial_success().error_message().find("trace_id"), std::string::npos);
  EXPECT_EQ(GetJson(std::string("/api/traces/") + kTraceHex)["span_count"], 1);
}

TEST_F(EmulatorServerTest, GrpcSizeLimitAndBearerToken) {
  EmulatorOptions options;
  options.max_body_bytes = 4096;
  options.bearer_token = "s3cret";
  emulator_->Shutdown();
  StartEmulator(options);
  collector::ExportTraceServiceResponse response;
  EXPECT_EQ(Export(Request("x"), &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Export(Request("x"), &response, GRPC_COMPRESS_NONE, "wrong").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Export(Request("x"), &response, GRPC_COMPRESS_NONE, "s3cret").ok());
  collector::ExportTraceServiceRequest big = Request(std::string(8192, 'n'));
  EXPECT_EQ(Export(big, &response, GRPC_COMPRESS_GZIP, "s3cret").error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(GetJson("/api/traces")["total"], 1);
}

TEST_F(EmulatorServerTest, HttpProtobufAndJsonRoundTrip) {
  std::string body = Request("http-span").SerializeAsString();
  auto res = http_->Post("/v1/traces", body, "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-protobuf");
  collector::ExportTraceServiceResponse response;
  EXPECT_TRUE(response.ParseFromString(res->body));

  std::string json_body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{
      "traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708",
      "name":"json-span","startTimeUnixNano":"1700000000000000001","endTimeUnixNano":"1700000000000000002"}]}]}]})";
  res = http_->Post("/v1/traces", json_body, "application/json; charset=utf-8");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body), (json{{"partialSuccess", json::object()}}));

  json trace = GetJson("/api/traces/0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(trace["spans"][0]["start_time_unix_nano"], "1700000000000000001");
  EXPECT_EQ(trace["spans"][0]["origin"]["protocol"], "http_json");
  json list = GetJson("/api/traces?name=http-span");
  ASSERT_EQ(list["total"], 1);
  EXPECT_EQ(list["traces"][0]["trace_id"], kTraceHex);
}

TEST_F(EmulatorServerTest, HttpErrors) {
  auto res = http_->Post("/v1/traces", "\xff\xff garbage", "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  google::rpc::Status status;
  ASSERT_TRUE(status.ParseFromString(res->body));
  EXPECT_EQ(status.code(), 3);

  res = http_->Post("/v1/traces", "{not json", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["code"], 3);

  res = http_->Post("/v1/traces", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 415);

  res = http_->Get("/v1/traces");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);

  httplib::Headers headers{{"Content-Encoding", "br"}};
  res = http_->Post("/v1/traces", headers, "x", "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 415);

  headers = {{"Content-Encoding", "gzip"}};
  res = http_->Post("/v1/traces", headers, "not gzip", "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);

  EXPECT_EQ(GetJson("/api/traces/zz", 400)["error"], "trace id must be 32 hex characters");
  GetJson("/api/traces/00000000000000000000000000000001", 404);
  GetJson("/api/nothing", 404);
  EXPECT_EQ(GetJson("/api/traces")["total"], 0);
}

TEST_F(EmulatorServerTest, HttpGzipBombIsRefusedWith413) {
  // 64 MiB of zeros compresses to ~64 KiB; the limit is 20 MiB after decompression.
  Result<std::string> bomb =
      compression::Compress(compression::Codec::kGzip, std::string(size_t{64} << 20, '\0'));
  ASSERT_TRUE(bomb.ok());
  httplib::Headers headers{{"Content-Encoding", "gzip"}};
  auto res = http_->Post("/v1/traces", headers, *bomb, "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  google::rpc::Status status;
  ASSERT_TRUE(status.ParseFromString(res->body));
  EXPECT_EQ(status.code(), 8);

  Result<std::string> gz =
      compression::Compress(compression::Codec::kGzip, Request("gz").SerializeAsString());
  ASSERT_TRUE(gz.ok());
  res = http_->Post("/v1/traces", headers, *gz, "application/x-protobuf");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(GetJson("/api/traces?name=gz")["total"], 1);
}

TEST_F(EmulatorServerTest, ResetClearsStoreAndCounters) {
  collector::ExportTraceServiceResponse response;
  ASSERT_TRUE(Export(Request("a"), &response).ok());
  auto res = http_->Post("/api/reset", "", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(GetJson("/api/traces")["total"], 0);
  json stats = GetJson("/api/stats");
  EXPECT_EQ(stats["traces"]["requests"], 0);
  EXPECT_EQ(stats["store"]["spans"], 0);
}

TEST_F(EmulatorServerTest, ConcurrentWritersReadersAndResets) {
  constexpr int kWriters = 4;
  constexpr int kRequests = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      httplib::Client client("http://" + emulator_->addresses().http);
      for (int i = 0; i < kRequests; ++i) {
        collector::ExportTraceServiceRequest request = Request("w" + std::to_string(w), 3);
        for (auto& span : *request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
          span.mutable_trace_id()->back() = static_cast<char>(w * kRequests + i);
        }
        if (w % 2 == 0) {
          collector::ExportTraceServiceResponse response;
          if (!Export(request, &response).ok()) ++failures;
        } else {
          auto res = client.Post("/v1/traces", request.SerializeAsString(), "application/x-protobuf");
          if (!res || res->status != 200) ++failures;
        }
      }
    });
  }
  threads.emplace_back([&] {
    httplib::Client client("http://" + emulator_->addresses().http);
    for (int i = 0; i < 50; ++i) {
      auto res = client.Get("/api/traces?limit=5&service=grpc-svc");
      if (!res || res->status != 200) ++failures;
      if (i == 25) client.Post("/api/reset", "", "application/json");
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  // Every stored trace is whole: writes are atomic per request.
  json list = GetJson("/api/traces?limit=10000");
  for (const json& trace : list["traces"]) EXPECT_EQ(trace["span_count"], 3);
  json stats = GetJson("/api/stats");
  EXPECT_EQ(stats["store"]["spans"].get<int>(), 3 * list["total"].get<int>());
}

TEST_F(EmulatorServerTest, MutatedPayloadsNeverCorruptTheStore) {
  collector::ExportTraceServiceResponse response;
  ASSERT_TRUE(Export(Request("keep", 2), &response).ok());
  const std::string proto = Request("fuzz", 3).SerializeAsString();
  const std::string json_text = R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"j","attributes":[{"key":"a","value":{"arrayValue":{"values":[{"intValue":"1"}]}}}]}]}]}]})";
  std::mt19937 rng(42);
  for (int i = 0; i < 300; ++i) {
    for (bool use_json : {false, true}) {
      std::string body = use_json ? json_text : proto;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        size_t pos = rng() % body.size();
        switch (rng() % 3) {
          case 0: body[pos] = static_cast<char>(rng()); break;
          case 1: body.erase(pos, 1 + rng() % 8); break;
          default: body.insert(pos, 1, static_cast<char>(rng())); break;
        }
        if (body.empty()) body = "x";
      }
      auto res = http_->Post("/v1/traces", body, use_json ? "application/json" : "application/x-protobuf");
      ASSERT_TRUE(res);
      ASSERT_TRUE(res->status == 200 || res->status == 400) << res->status;
    }
  }
  // The first export is intact whatever the mutations stored next to it.
  json trace = GetJson(std::string("/api/traces/") + kTraceHex);
  int kept = 0;
  for (const json& span : trace["spans"]) kept += span["name"] == "keep";
  EXPECT_EQ(kept, 2);
  EXPECT_EQ(GetJson("/health")["status"], "ok");
}

TEST_F(EmulatorServerTest, SlsListenerAnswersInSlsErrorShape) {
  httplib::Client sls("http://" + emulator_->addresses().sls);
  auto res = sls.Get("/machinegroups");  // an SLS API this version does not serve
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 501);
  EXPECT_FALSE(res->get_header_value("x-log-requestid").empty());
  json body = json::parse(res->body);
  EXPECT_EQ(body["errorCode"], "NotImplemented");
}

}  // namespace
}  // namespace ptx::emulator
