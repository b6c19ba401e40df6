#include "ptx/transport/otlp_grpc_transport.h"

#include <gtest/gtest.h>

#include <thread>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "ptx/transport/retry.h"
#include "test_servers.h"

namespace ptx::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test_servers::GrpcAnswer;
using test_servers::GrpcTestServer;

std::unique_ptr<OtlpTransport> MakeTransport(const std::string& target,
                                             OtlpGrpcTransportOptions options = {}) {
  options.target = target;
  auto t = OtlpGrpcTransport::Create(std::move(options));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

RetryPolicy FastPolicy() {
  RetryPolicy p;
  p.initial_backoff = milliseconds(20);
  p.seed = 3;
  return p;
}

std::string StatusDetailsWithRetryDelay(milliseconds delay) {
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(delay.count() / 1000);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(delay.count() % 1000) * 1000000);
  google::rpc::Status status;
  status.set_code(static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  status.set_message("slow down");
  status.add_details()->PackFrom(info);
  return status.SerializeAsString();
}

TEST(OtlpGrpcTransportTest, RetriesUnavailableThenSucceeds) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(2);
  GrpcAnswer unavailable;
  unavailable.code = grpc::StatusCode::UNAVAILABLE;
  GrpcAnswer ok;
  ok.response = response.SerializeAsString();
  GrpcTestServer server({unavailable, ok});

  auto t = MakeTransport(server.Target());
  Interrupter stop;
  SendResult r = SendWithRetry(*t, "request-bytes", SteadyClock::now() + seconds(5), FastPolicy(),
                               stop);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(r.response_body, ok.response);
  auto calls = server.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].method, kGrpcTraceExportMethod);
  EXPECT_EQ(calls[1].body, "request-bytes");
}

TEST(OtlpGrpcTransportTest, FarDeadlineMeansNone) {
  GrpcTestServer server({GrpcAnswer{}});
  auto t = MakeTransport(server.Target());
  SendResult r = t->Send("x", SteadyClock::time_point::max());
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
}

TEST(OtlpGrpcTransportTest, ResourceExhaustedWithoutRetryInfoIsPermanent) {
  GrpcAnswer exhausted;
  exhausted.code = grpc::StatusCode::RESOURCE_EXHAUSTED;
  exhausted.message = "quota";
  GrpcTestServer server({exhausted, GrpcAnswer{}});
  auto t = MakeTransport(server.Target());
  Interrupter stop;
  SendResult r = SendWithRetry(*t, "x", SteadyClock::now() + seconds(5), FastPolicy(), stop);
  EXPECT_EQ(r.status.code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(r.retryable);
  EXPECT_NE(r.status.message().find("quota"), std::string::npos);
  EXPECT_EQ(server.calls().size(), 1u);
}

TEST(OtlpGrpcTransportTest, ResourceExhaustedWithRetryInfoWaitsTheGivenDelay) {
  GrpcAnswer exhausted;
  exhausted.code = grpc::StatusCode::RESOURCE_EXHAUSTED;
  exhausted.message = "slow down";
  exhausted.details = StatusDetailsWithRetryDelay(milliseconds(400));
  GrpcTestServer server({exhausted, GrpcAnswer{}});
  auto t = MakeTransport(server.Target());
  Interrupter stop;
  RetryPolicy p;
  p.initial_backoff = seconds(4);  // proves the server's delay replaced the back-off
  auto start = SteadyClock::now();
  SendResult r = SendWithRetry(*t, "x", start + seconds(10), p, stop);
  auto elapsed = SteadyClock::now() - start;
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.attempts, 2);
  EXPECT_GE(elapsed, milliseconds(400));
  EXPECT_LT(elapsed, milliseconds(2500));
}

TEST(OtlpGrpcTransportTest, RetryInfoTrailerIsHonoured) {
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(2);
  GrpcAnswer exhausted;
  exhausted.code = grpc::StatusCode::RESOURCE_EXHAUSTED;
  exhausted.trailers = {{"google.rpc.retryinfo-bin", info.SerializeAsString()}};
  GrpcTestServer server({exhausted});
  auto t = MakeTransport(server.Target());
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  EXPECT_EQ(r.status.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.retry_after, milliseconds(2000));
}

TEST(OtlpGrpcTransportTest, PermanentCodesAreNotRetried) {
  GrpcAnswer invalid;
  invalid.code = grpc::StatusCode::INVALID_ARGUMENT;
  invalid.message = "bad span";
  GrpcTestServer server({invalid});
  auto t = MakeTransport(server.Target());
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(r.retryable);
  EXPECT_NE(r.status.message().find("bad span"), std::string::npos);
}

TEST(OtlpGrpcTransportTest, SendsMetadataUserAgentAndGzip) {
  GrpcTestServer server({GrpcAnswer{}});
  OtlpGrpcTransportOptions options;
  options.headers = {{"X-Tenant", "acme"}, {"authorization", "Bearer t0k"}};
  options.user_agent = "OTel-OTLP-Exporter-Python/pytracingx-test";
  options.compression = compression::Codec::kGzip;
  auto t = MakeTransport(server.Target(), options);
  const std::string body(10000, 'z');
  SendResult r = t->Send(body, SteadyClock::now() + seconds(5));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  auto calls = server.calls();
  ASSERT_EQ(calls.size(), 1u);
  const auto& md = calls[0].metadata;
  auto get = [&](const std::string& key) {
    auto it = md.find(key);
    return it == md.end() ? std::string("<missing>") : it->second;
  };
  EXPECT_EQ(get("x-tenant"), "acme");
  EXPECT_EQ(get("authorization"), "Bearer t0k");
  EXPECT_EQ(get("user-agent").rfind("OTel-OTLP-Exporter-Python/pytracingx-test", 0), 0u)
      << get("user-agent");
  EXPECT_EQ(calls[0].body, body);
}

TEST(OtlpGrpcTransportTest, HangingCallHitsTheDeadline) {
  GrpcAnswer hang;
  hang.hang = true;
  GrpcTestServer server({hang});
  auto t = MakeTransport(server.Target());
  auto start = SteadyClock::now();
  SendResult r = t->Send("x", start + milliseconds(300));
  auto elapsed = SteadyClock::now() - start;
  EXPECT_EQ(r.status.code(), StatusCode::kDeadlineExceeded) << r.status.ToString();
  EXPECT_TRUE(r.retryable);
  // Generous for a loaded 2-core CI machine: the server hangs until the test ends, so a
  // deadline that is not applied still fails this by far.
  EXPECT_LT(elapsed, milliseconds(2000));
}

TEST(OtlpGrpcTransportTest, CancelAbortsTheCallInFlight) {
  GrpcAnswer hang;
  hang.hang = true;
  GrpcTestServer server({hang});
  auto t = MakeTransport(server.Target());
  auto start = SteadyClock::now();
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(100));
    t->Cancel();
  });
  SendResult r = t->Send("x", start + seconds(30));
  auto elapsed = SteadyClock::now() - start;
  canceller.join();
  EXPECT_EQ(r.status.code(), StatusCode::kCancelled) << r.status.ToString();
  EXPECT_FALSE(r.retryable);
  EXPECT_LT(elapsed, milliseconds(300));
  r = t->Send("x", SteadyClock::now() + seconds(30));
  EXPECT_EQ(r.status.code(), StatusCode::kCancelled);
}

TEST(OtlpGrpcTransportTest, ClosedPortIsUnavailableAndRetryable) {
  auto t = MakeTransport("127.0.0.1:" + std::to_string(test_servers::ClosedPort()));
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable) << r.status.ToString();
  EXPECT_TRUE(r.retryable);
}

TEST(OtlpGrpcTransportTest, RejectsBadOptions) {
  EXPECT_EQ(OtlpGrpcTransport::Create({}).status().code(), StatusCode::kInvalidArgument);
  OtlpGrpcTransportOptions zstd;
  zstd.target = "127.0.0.1:1";
  zstd.compression = compression::Codec::kZstd;
  EXPECT_EQ(OtlpGrpcTransport::Create(zstd).status().code(), StatusCode::kInvalidArgument);
  OtlpGrpcTransportOptions bad_key;
  bad_key.target = "127.0.0.1:1";
  bad_key.headers = {{"bad key", "v"}};
  EXPECT_EQ(OtlpGrpcTransport::Create(bad_key).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ptx::transport
