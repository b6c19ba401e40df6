#include "ptx/transport/otlp_grpc_transport.h"

#include <gtest/gtest.h>

#include <thread>

#include "google/rpc/error_details.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "ptx/transport/retry.h"
#include "test_servers.h"

namespace ptx::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test_servers::GrpcAnswer;
using test_servers::GrpcTestServer;
using test_servers::StatusDetailsWithRetryDelay;
using test_servers::TestCertificate;

// Runs each case against both implementations, chosen the way applications choose them.
class OtlpGrpcTransportTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { setenv("PTX_GRPC_TRANSPORT", GetParam(), 1); }
  void TearDown() override { unsetenv("PTX_GRPC_TRANSPORT"); }
};

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

TEST_P(OtlpGrpcTransportTest, RetriesUnavailableThenSucceeds) {
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

TEST_P(OtlpGrpcTransportTest, FarDeadlineMeansNone) {
  GrpcTestServer server({GrpcAnswer{}});
  auto t = MakeTransport(server.Target());
  SendResult r = t->Send("x", SteadyClock::time_point::max());
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
}

TEST_P(OtlpGrpcTransportTest, ResourceExhaustedWithoutRetryInfoIsPermanent) {
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

TEST_P(OtlpGrpcTransportTest, ResourceExhaustedWithRetryInfoWaitsTheGivenDelay) {
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

TEST_P(OtlpGrpcTransportTest, RetryInfoTrailerIsHonoured) {
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

TEST_P(OtlpGrpcTransportTest, PermanentCodesAreNotRetried) {
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

TEST_P(OtlpGrpcTransportTest, SendsMetadataUserAgentAndGzip) {
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

TEST_P(OtlpGrpcTransportTest, HangingCallHitsTheDeadline) {
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

TEST_P(OtlpGrpcTransportTest, CancelAbortsTheCallInFlight) {
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

TEST_P(OtlpGrpcTransportTest, ClosedPortIsUnavailableAndRetryable) {
  auto t = MakeTransport("127.0.0.1:" + std::to_string(test_servers::ClosedPort()));
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable) << r.status.ToString();
  EXPECT_TRUE(r.retryable);
}

TEST_P(OtlpGrpcTransportTest, RejectsBadOptions) {
  EXPECT_EQ(OtlpGrpcTransport::Create({}).status().code(), StatusCode::kInvalidArgument);
  OtlpGrpcTransportOptions zstd;
  zstd.target = "127.0.0.1:1";
  zstd.compression = compression::Codec::kZstd;
  EXPECT_EQ(OtlpGrpcTransport::Create(zstd).status().code(), StatusCode::kInvalidArgument);
  OtlpGrpcTransportOptions bad_key;
  bad_key.target = "127.0.0.1:1";
  bad_key.headers = {{"bad key", "v"}};
  EXPECT_EQ(OtlpGrpcTransport::Create(bad_key).status().code(), StatusCode::kInvalidArgument);
  // Names the transport owns are rejected (not silently dropped), in any case.
  for (const char* reserved : {"Content-Type", "te", "user-agent", "grpc-timeout", ":path"}) {
    OtlpGrpcTransportOptions o;
    o.target = "127.0.0.1:1";
    o.headers = {{reserved, "v"}};
    auto t = OtlpGrpcTransport::Create(o);
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument) << reserved;
  }
  OtlpGrpcTransportOptions no_ca;
  no_ca.target = "127.0.0.1:1";
  no_ca.secure = true;
  no_ca.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(OtlpGrpcTransport::Create(no_ca).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(OtlpGrpcTransportTest, ServerSeesTheDeadline) {
  GrpcTestServer server({GrpcAnswer{}});
  auto t = MakeTransport(server.Target());
  const auto before = std::chrono::system_clock::now();
  SendResult r = t->Send("x", SteadyClock::now() + seconds(7));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  auto calls = server.calls();
  ASSERT_EQ(calls.size(), 1u);
  // grpc-timeout carries the time left; network and scheduling only shorten it.
  EXPECT_GT(calls[0].deadline, before + seconds(5));
  EXPECT_LE(calls[0].deadline, before + seconds(8));
}

TEST_P(OtlpGrpcTransportTest, DeflateRequestIsDecodedByTheServer) {
  GrpcTestServer server({GrpcAnswer{}});
  OtlpGrpcTransportOptions options;
  options.compression = compression::Codec::kDeflate;
  auto t = MakeTransport(server.Target(), options);
  const std::string body(5000, 'q');
  SendResult r = t->Send(body, SteadyClock::now() + seconds(5));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(server.calls().size(), 1u);
  EXPECT_EQ(server.calls()[0].body, body);
}

TEST_P(OtlpGrpcTransportTest, BinaryMetadataArrivesAsSent) {
  GrpcTestServer server({GrpcAnswer{}});
  OtlpGrpcTransportOptions options;
  const std::string bytes("\x00\xff\r\nbin", 7);
  options.headers = {{"x-token-bin", bytes}};
  auto t = MakeTransport(server.Target(), options);
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  auto calls = server.calls();
  ASSERT_EQ(calls.size(), 1u);
  auto it = calls[0].metadata.find("x-token-bin");
  ASSERT_NE(it, calls[0].metadata.end());
  EXPECT_EQ(it->second, bytes);
}

TEST_P(OtlpGrpcTransportTest, StatusDetailsRetryInfoIsHonoured) {
  GrpcAnswer exhausted;
  exhausted.code = grpc::StatusCode::RESOURCE_EXHAUSTED;
  exhausted.message = "slow down: 100% busy";
  exhausted.details = StatusDetailsWithRetryDelay(milliseconds(1500));
  GrpcTestServer server({exhausted});
  auto t = MakeTransport(server.Target());
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  EXPECT_EQ(r.status.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.retry_after, milliseconds(1500));
  // grpc-message travels percent-encoded.
  EXPECT_NE(r.status.message().find("slow down: 100% busy"), std::string::npos)
      << r.status.message();
}

TEST_P(OtlpGrpcTransportTest, TlsWithAPrivateCa) {
  const TestCertificate& cert = TestCertificate::Get();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({cert.key_pem, cert.cert_pem});
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(1);
  GrpcAnswer ok;
  ok.response = response.SerializeAsString();
  GrpcTestServer server({ok}, grpc::SslServerCredentials(ssl));
  OtlpGrpcTransportOptions options;
  options.secure = true;
  options.ca_file = cert.cert_path;
  auto t = MakeTransport("localhost:" + std::to_string(server.port()), options);
  for (int i = 0; i < 2; ++i) {  // two calls: h2 over TLS keeps its connection
    SendResult r = t->Send("over-tls", SteadyClock::now() + seconds(5));
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.response_body, ok.response);
  }
  ASSERT_EQ(server.calls().size(), 2u);
  EXPECT_EQ(server.calls()[1].body, "over-tls");
}

TEST_P(OtlpGrpcTransportTest, TlsWithAnUnknownCaFails) {
  const TestCertificate& cert = TestCertificate::Get();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({cert.key_pem, cert.cert_pem});
  GrpcTestServer server({GrpcAnswer{}}, grpc::SslServerCredentials(ssl));
  OtlpGrpcTransportOptions options;
  options.secure = true;
  options.ca_file = cert.other_ca_path;
  auto t = MakeTransport("localhost:" + std::to_string(server.port()), options);
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  EXPECT_FALSE(r.status.ok());
  EXPECT_TRUE(server.calls().empty());
}

INSTANTIATE_TEST_SUITE_P(Implementations, OtlpGrpcTransportTest,
                         ::testing::Values("plugin", "curl"),
                         [](const auto& info) { return std::string(info.param); });

TEST(OtlpGrpcTransportSelectionTest, UnknownImplementationIsInvalidArgument) {
  setenv("PTX_GRPC_TRANSPORT", "grpcio", 1);
  OtlpGrpcTransportOptions o;
  o.target = "127.0.0.1:1";
  auto t = OtlpGrpcTransport::Create(o);
  unsetenv("PTX_GRPC_TRANSPORT");
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "PTX_GRPC_TRANSPORT='grpcio': expected 'curl' or 'plugin'");
}

TEST(OtlpGrpcTransportSelectionTest, CurlServesTheDefaultAndAnEmptyValue) {
  GrpcTestServer server({GrpcAnswer{}});
  for (const char* value : {static_cast<const char*>(nullptr), ""}) {
    if (value == nullptr) {
      unsetenv("PTX_GRPC_TRANSPORT");
    } else {
      setenv("PTX_GRPC_TRANSPORT", value, 1);
    }
    auto t = MakeTransport(server.Target());
    ASSERT_TRUE(t->Send("x", SteadyClock::now() + seconds(5)).status.ok());
  }
  unsetenv("PTX_GRPC_TRANSPORT");
  // Our token follows nothing when no prefix is configured; grpc++ would say "grpc-c++/...".
  auto calls = server.calls();
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& call : calls) {
    auto it = call.metadata.find("user-agent");
    ASSERT_NE(it, call.metadata.end());
    EXPECT_EQ(it->second.rfind("ptx-grpc-curl/1", 0), 0u) << it->second;
  }
}

}  // namespace
}  // namespace ptx::transport
