#include "ptx/transport/otlp_http_transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "google/rpc/status.pb.h"
#include "ptx/transport/retry.h"
#include "test_servers.h"

namespace ptx::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test_servers::ClosedPort;
using test_servers::HttpTestServer;
using test_servers::SilentServer;

std::unique_ptr<OtlpHttpTransport> MakeTransport(const std::string& url,
                                                 OtlpHttpTransportOptions options = {}) {
  options.url = url;
  auto t = OtlpHttpTransport::Create(std::move(options));
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

RetryPolicy FastPolicy() {
  RetryPolicy p;
  p.initial_backoff = milliseconds(20);
  p.seed = 1;
  return p;
}

TEST(OtlpHttpTransportTest, RetriesAfter503ThenSucceeds) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    res.status = hits++ == 0 ? 503 : 200;
    res.set_content("", "application/x-protobuf");
  });
  auto t = MakeTransport(server.Url("/v1/traces"));
  Interrupter stop;
  SendResult r = SendWithRetry(*t, "payload", SteadyClock::now() + seconds(5), FastPolicy(), stop);
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(hits.load(), 2);
}

TEST(OtlpHttpTransportTest, HonoursRetryAfterSeconds) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    if (hits++ == 0) {
      res.status = 429;
      res.set_header("Retry-After", "1");
    } else {
      res.status = 200;
    }
  });
  auto t = MakeTransport(server.Url("/v1/traces"));
  Interrupter stop;
  auto start = SteadyClock::now();
  SendResult r = SendWithRetry(*t, "payload", start + seconds(10), FastPolicy(), stop);
  auto elapsed = SteadyClock::now() - start;
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.attempts, 2);
  EXPECT_GE(elapsed, milliseconds(990));
  EXPECT_LT(elapsed, milliseconds(3000));
}

TEST(OtlpHttpTransportTest, BadRequestIsPermanentWithServerMessage) {
  std::atomic<int> hits{0};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    ++hits;
    google::rpc::Status status;
    status.set_code(3);
    status.set_message("span 7 has an empty trace id");
    res.status = 400;
    res.set_content(status.SerializeAsString(), "application/x-protobuf");
  });
  auto t = MakeTransport(server.Url("/v1/traces"));
  Interrupter stop;
  SendResult r = SendWithRetry(*t, "payload", SteadyClock::now() + seconds(5), FastPolicy(), stop);
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(r.retryable);
  EXPECT_NE(r.status.message().find("span 7 has an empty trace id"), std::string::npos)
      << r.status.message();
  EXPECT_NE(r.status.message().find("400"), std::string::npos);
  EXPECT_EQ(hits.load(), 1);
}

TEST(OtlpHttpTransportTest, OtherErrorsArePermanentAnd502IsRetryable) {
  std::atomic<int> code{500};
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) {
    res.status = code.load();
    res.set_content("boom\n", "text/plain");
  });
  auto t = MakeTransport(server.Url("/v1/traces"));
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  EXPECT_EQ(r.status.code(), StatusCode::kInternal);
  EXPECT_FALSE(r.retryable);
  EXPECT_NE(r.status.message().find("boom"), std::string::npos);
  code = 502;
  r = t->Send("x", SteadyClock::now() + seconds(5));
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.retryable);
  EXPECT_FALSE(r.retry_after.has_value());
}

TEST(OtlpHttpTransportTest, SendsHeadersAndGzipBody) {
  const std::string original(20000, 'a');
  std::mutex mu;
  httplib::Headers seen;
  std::string seen_body;
  HttpTestServer server([&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    seen = req.headers;
    seen_body = req.body;  // cpp-httplib inflates Content-Encoding: gzip on arrival
    res.status = 200;
  });
  OtlpHttpTransportOptions options;
  options.compression = compression::Codec::kGzip;
  options.headers = {{"Authorization", "Bearer t0k"}, {"content-type", "text/plain"}};
  options.client.user_agent = "OTel-OTLP-Exporter-Python/pytracingx-test";
  auto t = MakeTransport(server.Url("/v1/traces"), options);
  SendResult r = t->Send(original, SteadyClock::now() + seconds(5));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();

  std::lock_guard<std::mutex> lock(mu);
  auto header = [&](const char* name) {
    auto it = seen.find(name);
    return it == seen.end() ? std::string("<missing>") : it->second;
  };
  EXPECT_EQ(header("Content-Encoding"), "gzip");
  EXPECT_EQ(header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(seen.count("Content-Type"), 1u);
  EXPECT_EQ(header("Authorization"), "Bearer t0k");
  EXPECT_EQ(header("User-Agent"), "OTel-OTLP-Exporter-Python/pytracingx-test");
  EXPECT_LT(std::stoul(header("Content-Length")), original.size() / 10);
  EXPECT_EQ(seen_body, original);
}

// Records what would go on the wire instead of sending it.
class CapturingClient final : public HttpClient {
 public:
  explicit CapturingClient(std::vector<HttpRequest>* sent) : sent_(sent) {}
  Result<HttpResponse> Post(const HttpRequest& request, SteadyClock::time_point) override {
    sent_->push_back(request);
    HttpResponse response;
    response.status = 200;
    return response;
  }

 private:
  std::vector<HttpRequest>* sent_;
};

// gzip and deflate bodies are zlib level 1: the gzip header's XFL byte says "fastest" (4) and
// the zlib header's FLEVEL bits are 0 (levels 0-1); level 6 would give XFL 0 and FLEVEL 2.
TEST(OtlpHttpTransportTest, GzipAndDeflateBodiesAreZlibBestSpeed) {
  std::string batch;
  for (int i = 0; i < 2000; ++i) batch += "span-" + std::to_string(i % 97) + " http.route ";
  for (compression::Codec codec : {compression::Codec::kGzip, compression::Codec::kDeflate}) {
    std::vector<HttpRequest> sent;
    OtlpHttpTransportOptions options;
    options.url = "http://127.0.0.1:1/v1/traces";
    options.compression = codec;
    auto t = OtlpHttpTransport::Create(options, std::make_unique<CapturingClient>(&sent));
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_TRUE((*t)->Send(batch, SteadyClock::now() + seconds(5)).status.ok());
    ASSERT_EQ(sent.size(), 1u);
    const std::string& body = sent[0].body;
    ASSERT_GT(body.size(), 10u);
    if (codec == compression::Codec::kGzip) {
      EXPECT_EQ(static_cast<unsigned char>(body[0]), 0x1f);
      EXPECT_EQ(static_cast<unsigned char>(body[1]), 0x8b);
      EXPECT_EQ(static_cast<unsigned char>(body[8]), 4) << "gzip XFL";
    } else {
      EXPECT_EQ(static_cast<unsigned char>(body[0]) & 0x0f, 8) << "zlib CM deflate";
      EXPECT_EQ(static_cast<unsigned char>(body[1]) >> 6, 0) << "zlib FLEVEL";
    }
    auto raw = compression::Decompress(codec, body, batch.size());
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    EXPECT_EQ(*raw, batch);
  }
}

TEST(OtlpHttpTransportTest, ReusesTheConnection) {
  std::mutex mu;
  std::vector<int> ports;
  HttpTestServer server([&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    ports.push_back(req.remote_port);
    res.status = 200;
  });
  auto t = MakeTransport(server.Url("/v1/traces"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(t->Send("x", SteadyClock::now() + seconds(5)).status.ok());
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0], ports[1]);
  EXPECT_EQ(ports[1], ports[2]);
}

TEST(OtlpHttpTransportTest, FarDeadlineMeansNone) {
  HttpTestServer server([&](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  auto t = MakeTransport(server.Url("/v1/traces"));
  SendResult r = t->Send("x", SteadyClock::time_point::max());
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
}

TEST(OtlpHttpTransportTest, SilentServerHitsTheDeadline) {
  SilentServer silent;
  auto t = MakeTransport("http://127.0.0.1:" + std::to_string(silent.port()) + "/v1/traces");
  auto start = SteadyClock::now();
  SendResult r = t->Send("x", start + milliseconds(300));
  auto elapsed = SteadyClock::now() - start;
  EXPECT_EQ(r.status.code(), StatusCode::kDeadlineExceeded) << r.status.ToString();
  EXPECT_TRUE(r.retryable);
  EXPECT_GE(elapsed, milliseconds(290));
  EXPECT_LT(elapsed, milliseconds(600));
}

TEST(OtlpHttpTransportTest, CancelAbortsAnInFlightRequestQuickly) {
  SilentServer silent;
  auto t = MakeTransport("http://127.0.0.1:" + std::to_string(silent.port()) + "/v1/traces");
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
  // Later sends fail at once.
  r = t->Send("x", SteadyClock::now() + seconds(30));
  EXPECT_EQ(r.status.code(), StatusCode::kCancelled);
}

TEST(OtlpHttpTransportTest, ClosedPortIsUnavailableAndRetryable) {
  auto t = MakeTransport("http://127.0.0.1:" + std::to_string(ClosedPort()) + "/v1/traces");
  SendResult r = t->Send("x", SteadyClock::now() + seconds(5));
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable) << r.status.ToString();
  EXPECT_TRUE(r.retryable);
}

TEST(OtlpHttpTransportTest, RejectsBadOptions) {
  EXPECT_EQ(OtlpHttpTransport::Create({}).status().code(), StatusCode::kInvalidArgument);
  OtlpHttpTransportOptions lz4;
  lz4.url = "http://127.0.0.1:1/v1/traces";
  lz4.compression = compression::Codec::kLz4;
  EXPECT_EQ(OtlpHttpTransport::Create(lz4).status().code(), StatusCode::kInvalidArgument);
  OtlpHttpTransportOptions injected;
  injected.url = "http://127.0.0.1:1/v1/traces";
  injected.headers = {{"X-Tenant", "a\r\nX-Evil: 1"}};
  EXPECT_EQ(OtlpHttpTransport::Create(injected).status().code(), StatusCode::kInvalidArgument);
  injected.headers = {{"Bad Name", "v"}};
  EXPECT_EQ(OtlpHttpTransport::Create(injected).status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseRetryAfterTest, SecondsAndDates) {
  // 1994-11-06 08:49:37 UTC
  auto now = std::chrono::system_clock::time_point(seconds(784111777));
  EXPECT_EQ(ParseRetryAfter("120", now), milliseconds(120000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), milliseconds(10000));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:50:37 GMT", now), milliseconds(60000));
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:39 1994", now), milliseconds(2000));
  EXPECT_EQ(ParseRetryAfter("Sat, 05 Nov 1994 08:49:37 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Thu, 01 Jan 2026 00:00:00 GMT",
                            std::chrono::system_clock::time_point(seconds(1767225600 - 5))),
            milliseconds(5000));
  EXPECT_FALSE(ParseRetryAfter("", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-5", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("1.5", now).has_value());
}

}  // namespace
}  // namespace ptx::transport
