// The libcurl HTTP/2 gRPC transport on the bytes: what it sends and how it reads answers that a
// grpc++ server would not produce (a fake HttpClient), plus the cases only libcurl has (ALPN,
// a server that never answers). The cases both implementations share are in
// otlp_grpc_transport_test.cc.
#include "grpc_curl_transport.h"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "google/rpc/error_details.pb.h"
#include "grpc_common.h"
#include "ptx/base/hex.h"
#include "ptx/compression/codec.h"
#include "test_servers.h"

namespace ptx::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test_servers::StatusDetailsWithRetryDelay;

// Records requests and answers from a script. Thread-compatible (tests are single-threaded).
class FakeHttpClient final : public HttpClient {
 public:
  struct State {
    std::vector<HttpRequest> requests;
    std::deque<Result<HttpResponse>> answers;
    bool cancelled = false;
  };
  explicit FakeHttpClient(std::shared_ptr<State> state) : state_(std::move(state)) {}

  Result<HttpResponse> Post(const HttpRequest& request, SteadyClock::time_point) override {
    state_->requests.push_back(request);
    if (state_->cancelled) return Status(StatusCode::kCancelled, "cancelled");
    Result<HttpResponse> answer = state_->answers.front();
    state_->answers.pop_front();
    return answer;
  }
  void Cancel() override { state_->cancelled = true; }

 private:
  std::shared_ptr<State> state_;
};

std::string Frame(std::string_view message, bool compressed = false) {
  std::string out(1, compressed ? '\1' : '\0');
  const auto n = static_cast<uint32_t>(message.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  out.append(message);
  return out;
}

HttpResponse GrpcOk(std::string message) {
  HttpResponse r;
  r.status = 200;
  r.headers = {{"content-type", "application/grpc"}};
  r.body = Frame(message);
  r.trailers = {{"grpc-status", "0"}};
  return r;
}

struct Harness {
  std::shared_ptr<FakeHttpClient::State> state = std::make_shared<FakeHttpClient::State>();
  std::unique_ptr<OtlpTransport> transport;

  explicit Harness(OtlpGrpcTransportOptions options = {}) {
    if (options.target.empty()) options.target = "collector:4317";
    EXPECT_TRUE(internal::ValidateGrpcOptions(options).ok());
    auto t = internal::CreateCurlGrpcTransport(std::move(options),
                                               std::make_unique<FakeHttpClient>(state));
    EXPECT_TRUE(t.ok());
    transport = std::move(t).value();
  }
  SendResult Send(std::string_view body, Result<HttpResponse> answer,
                  SteadyClock::duration timeout = seconds(5)) {
    state->answers.push_back(std::move(answer));
    return transport->Send(body, SteadyClock::now() + timeout);
  }
  const std::string* RequestHeader(std::string_view name) const {
    for (const auto& [key, value] : state->requests.back().headers) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

std::string UnpaddedBase64(std::string_view bytes) {
  std::string text = Base64Encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

TEST(GrpcCurlTransportTest, RequestUrlHeadersAndFrame) {
  OtlpGrpcTransportOptions options;
  options.headers = {{"X-Tenant", "acme"}, {"trace-bin", std::string("\0\1", 2)}};
  options.user_agent = "app/1";
  Harness h(options);
  SendResult r = h.Send("hello", GrpcOk("resp"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.response_body, "resp");
  const HttpRequest& request = h.state->requests.at(0);
  EXPECT_EQ(request.url,
            "http://collector:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  EXPECT_EQ(request.body, std::string("\0\0\0\0\5hello", 10));
  ASSERT_EQ(request.headers.size(), 5u);
  EXPECT_EQ(request.headers[0], (std::pair<std::string, std::string>("content-type",
                                                                      "application/grpc")));
  EXPECT_EQ(request.headers[1], (std::pair<std::string, std::string>("te", "trailers")));
  EXPECT_EQ(request.headers[2], (std::pair<std::string, std::string>("x-tenant", "acme")));
  EXPECT_EQ(request.headers[3], (std::pair<std::string, std::string>("trace-bin", "AAE=")));
  EXPECT_EQ(request.headers[4].first, "grpc-timeout");
  // Milliseconds, rounded up, never more than the 5 s left.
  const std::string& timeout = request.headers[4].second;
  ASSERT_EQ(timeout.back(), 'm') << timeout;
  const int ms = std::stoi(timeout.substr(0, timeout.size() - 1));
  EXPECT_GT(ms, 4000);
  EXPECT_LE(ms, 5000);
}

TEST(GrpcCurlTransportTest, GrpcTimeoutKeepsToEightDigits) {
  Harness h;
  // 200 h = 720,000,000 ms: nine digits, so seconds.
  ASSERT_TRUE(h.Send("x", GrpcOk(""), std::chrono::hours(200)).status.ok());
  EXPECT_EQ(*h.RequestHeader("grpc-timeout"), "720000S");
  ASSERT_TRUE(h.Send("x", GrpcOk(""), SteadyClock::duration::max() / 2).status.ok());
  const std::string& far = *h.RequestHeader("grpc-timeout");
  EXPECT_LE(far.size(), 9u) << far;
}

TEST(GrpcCurlTransportTest, GzipMessageIsFlaggedAndAnnounced) {
  OtlpGrpcTransportOptions options;
  options.compression = compression::Codec::kGzip;
  Harness h(options);
  const std::string body(3000, 'a');
  ASSERT_TRUE(h.Send(body, GrpcOk("")).status.ok());
  EXPECT_EQ(*h.RequestHeader("grpc-encoding"), "gzip");
  EXPECT_EQ(*h.RequestHeader("grpc-accept-encoding"), "identity,deflate,gzip");
  const std::string& sent = h.state->requests.at(0).body;
  ASSERT_GT(sent.size(), 5u);
  EXPECT_EQ(sent[0], '\1');
  EXPECT_EQ(sent.substr(1, 4), Frame(sent.substr(5)).substr(1, 4));
  auto plain = compression::Decompress(compression::Codec::kGzip, sent.substr(5), 1 << 20);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, body);
}

TEST(GrpcCurlTransportTest, CompressedResponseIsInflated) {
  Harness h;
  HttpResponse answer = GrpcOk("");
  answer.headers.emplace_back("grpc-encoding", "deflate");
  answer.body = Frame(*compression::Compress(compression::Codec::kDeflate, "partial"), true);
  SendResult r = h.Send("x", answer);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.response_body, "partial");
}

TEST(GrpcCurlTransportTest, TrailersOnlyErrorIsRead) {
  Harness h;
  HttpResponse answer;
  answer.status = 200;
  answer.headers = {{"content-type", "application/grpc"},
                    {"grpc-status", "7"},
                    {"grpc-message", "no%20access%3A%20%E2%9C%97"}};
  SendResult r = h.Send("x", answer);
  EXPECT_EQ(r.status.code(), StatusCode::kPermissionDenied);
  EXPECT_FALSE(r.retryable);
  EXPECT_EQ(r.status.message(),
            "OTLP/gRPC collector:4317: PERMISSION_DENIED: no access: \xE2\x9C\x97");
}

TEST(GrpcCurlTransportTest, UnpaddedStatusDetailsRetryInfoIsHonoured) {
  Harness h;
  HttpResponse answer = GrpcOk("");
  answer.body.clear();
  answer.trailers = {{"grpc-status", "8"},
                     {"grpc-status-details-bin",
                      UnpaddedBase64(StatusDetailsWithRetryDelay(milliseconds(1500)))}};
  SendResult r = h.Send("x", answer);
  EXPECT_EQ(r.status.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.retry_after, milliseconds(1500));

  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(3);
  answer.trailers = {{"grpc-status", "8"},
                     {"google.rpc.retryinfo-bin", UnpaddedBase64(info.SerializeAsString())}};
  r = h.Send("x", answer);
  EXPECT_TRUE(r.retryable);
  EXPECT_EQ(r.retry_after, milliseconds(3000));
}

TEST(GrpcCurlTransportTest, HttpStatusWithoutGrpcStatusIsMapped) {
  const std::pair<int, StatusCode> cases[] = {
      {400, StatusCode::kInternal},         {401, StatusCode::kUnauthenticated},
      {403, StatusCode::kPermissionDenied}, {404, StatusCode::kUnimplemented},
      {429, StatusCode::kUnavailable},      {502, StatusCode::kUnavailable},
      {503, StatusCode::kUnavailable},      {504, StatusCode::kUnavailable},
      {500, StatusCode::kUnknown},          {200, StatusCode::kInternal},
  };
  for (const auto& [http, code] : cases) {
    Harness h;
    HttpResponse answer;
    answer.status = http;
    answer.headers = {{"content-type", "text/plain"}};
    answer.body = "proxy says no";
    SendResult r = h.Send("x", answer);
    EXPECT_EQ(r.status.code(), code) << http;
    EXPECT_EQ(r.retryable, code == StatusCode::kUnavailable) << http;
  }
}

TEST(GrpcCurlTransportTest, MalformedFramesAreInternal) {
  for (std::string body : {std::string("\0\0\0", 3), std::string("\0\0\0\0\x09short", 10)}) {
    Harness h;
    HttpResponse answer = GrpcOk("");
    answer.body = body;
    EXPECT_EQ(h.Send("x", answer).status.code(), StatusCode::kInternal);
  }
  Harness h;
  HttpResponse answer = GrpcOk("");
  answer.body = Frame("zz", true);  // compressed, but no grpc-encoding
  EXPECT_EQ(h.Send("x", answer).status.code(), StatusCode::kInternal);
}

TEST(GrpcCurlTransportTest, TransportErrorsAreClassifiedLikeHttp) {
  Harness h;
  SendResult r = h.Send("x", Status(StatusCode::kDeadlineExceeded, "timed out"));
  EXPECT_EQ(r.status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(r.retryable);
  r = h.Send("x", Status(StatusCode::kUnavailable, "connection refused"));
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.retryable);
  r = h.Send("x", Status(StatusCode::kFailedPrecondition, "certificate"));
  EXPECT_FALSE(r.retryable);
  h.transport->Cancel();
  EXPECT_TRUE(h.state->cancelled);
  r = h.Send("x", GrpcOk(""));
  EXPECT_EQ(r.status.code(), StatusCode::kCancelled);
  EXPECT_FALSE(r.retryable);
}

// ---- Against real sockets ----

std::unique_ptr<OtlpTransport> RealCurlTransport(OtlpGrpcTransportOptions options) {
  EXPECT_TRUE(internal::ValidateGrpcOptions(options).ok());
  auto t = internal::CreateCurlGrpcTransport(std::move(options));
  EXPECT_TRUE(t.ok());
  return std::move(t).value();
}

TEST(GrpcCurlTransportTest, CancelInterruptsAServerThatNeverAnswers) {
  test_servers::SilentServer silent;
  OtlpGrpcTransportOptions options;
  options.target = "127.0.0.1:" + std::to_string(silent.port());
  auto t = RealCurlTransport(options);
  const auto start = SteadyClock::now();
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(100));
    t->Cancel();
  });
  SendResult r = t->Send("x", start + seconds(30));
  const auto elapsed = SteadyClock::now() - start;
  canceller.join();
  EXPECT_EQ(r.status.code(), StatusCode::kCancelled) << r.status.ToString();
  EXPECT_FALSE(r.retryable);
  EXPECT_LT(elapsed, milliseconds(300));
}

TEST(GrpcCurlTransportTest, TlsServerWithoutHttp2FailsClearly) {
  const auto& cert = test_servers::TestCertificate::Get();
  httplib::SSLServer server(cert.cert_path.c_str(), cert.key_path.c_str());
  int hits = 0;
  server.Post(".*", [&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.status = 200;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(milliseconds(1));

  OtlpGrpcTransportOptions options;
  options.target = "localhost:" + std::to_string(port);
  options.secure = true;
  options.ca_file = cert.cert_path;
  auto t = RealCurlTransport(options);
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  server.stop();
  thread.join();
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable) << r.status.ToString();
  EXPECT_NE(r.status.message().find("did not negotiate HTTP/2"), std::string::npos)
      << r.status.message();
}

}  // namespace
}  // namespace ptx::transport
