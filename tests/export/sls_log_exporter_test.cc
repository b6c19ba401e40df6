#include "ptx/export/sls_log_exporter.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "ptx/compression/codec.h"
#include "ptx/encoding/sls_log.h"
#include "ptx/sdk/scope_registry.h"
#include "ptx/signing/sls_auth.h"
#include "ptx/signing/sls_signature.h"
#include "test_servers.h"

namespace ptx {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test_servers::HttpTestServer;

constexpr char kAk[] = "test-ak";
constexpr char kSecret[] = "test-secret";

struct Received {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (AsciiLowerForTest(k) == AsciiLowerForTest(name)) return v;
    }
    return "<absent>";
  }
  bool Has(const std::string& name) const { return Header(name) != "<absent>"; }
  static std::string AsciiLowerForTest(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  // The request as the signature sees it (httplib's own REMOTE_ADDR etc. are not x-log-).
  signing::SlsRequest AsSlsRequest() const {
    signing::SlsRequest r;
    r.method = method;
    r.path = path;
    r.headers = headers;
    r.body = body;
    return r;
  }
};

struct Reply {
  int status = 200;
  std::string body;
  bool request_id = true;
};

// An SLS PutLogs stand-in: records every request and answers from a script (the last reply
// repeats).
class FakeSls {
 public:
  explicit FakeSls(std::vector<Reply> script = {Reply{}})
      : script_(script.begin(), script.end()),
        server_([this](const httplib::Request& req, httplib::Response& res) {
          Received r;
          r.method = req.method;
          r.path = req.path;
          for (const auto& [k, v] : req.headers) r.headers.emplace_back(k, v);
          r.body = req.body;
          Reply reply;
          {
            std::lock_guard<std::mutex> lock(mu_);
            received_.push_back(std::move(r));
            reply = script_.front();
            if (script_.size() > 1) script_.pop_front();
          }
          res.status = reply.status;
          if (reply.request_id) res.set_header("x-log-requestid", "REQ-1");
          if (!reply.body.empty()) res.set_content(reply.body, "application/json");
        }) {}

  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
  int port() const { return server_.port(); }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  std::mutex mu_;
  std::deque<Reply> script_;
  std::vector<Received> received_;
  HttpTestServer server_;
};

SlsLogExporterOptions Options(const std::string& endpoint) {
  SlsLogExporterOptions o;
  o.endpoint = endpoint;
  o.project = "proj";
  o.logstore = "app-logs";
  o.access_key_id = kAk;
  o.access_key_secret = kSecret;
  o.topic = "checkout";
  o.source = "10.0.0.7";
  o.timeout = seconds(5);
  o.retry.initial_backoff = milliseconds(10);
  return o;
}

Resource MakeResource() {
  Resource r;
  r.attributes = {{"service.name", std::string("checkout")}, {"process.pid", int64_t{4242}}};
  return r;
}

std::unique_ptr<LogRecordData> Record(int i) {
  auto r = std::make_unique<LogRecordData>();
  r->time_unix_nano = 1700000000123456789ull + static_cast<uint64_t>(i);
  r->observed_time_unix_nano = 1700000001000000000ull;
  r->severity_number = kSeverityWarn;
  r->severity_text = "WARN";
  r->body = std::string("payment slow " + std::to_string(i));
  r->attributes = {{"order.id", std::string("o-1")}, {"retries", int64_t{3}},
                   {"ok", false}, {"ratio", 0.5}};
  r->trace_id = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  r->span_id = *SpanId::FromHex("00f067aa0ba902b7");
  r->scope = ScopeRegistry::Intern("app.payments", "1.0");
  return r;
}

LogBatch Batch(int n) {
  LogBatch b;
  for (int i = 0; i < n; ++i) b.push_back(Record(i));
  return b;
}

struct Errors {
  std::mutex mu;
  std::vector<Status> seen;
  SlsLogExporter::ErrorHook Hook() {
    return [this](const Status& s) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(s);
    };
  }
  std::vector<Status> Get() {
    std::lock_guard<std::mutex> lock(mu);
    return seen;
  }
};

std::unique_ptr<SlsLogExporter> Make(SlsLogExporterOptions o, Errors* errors = nullptr) {
  auto e = SlsLogExporter::Create(std::move(o), MakeResource(),
                                  errors ? errors->Hook() : nullptr);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return std::move(e).value();
}

Status Verify(const Received& r) {
  return signing::VerifyAuthorization(
      r.AsSlsRequest(),
      [](std::string_view ak) -> std::optional<std::string> {
        if (ak == kAk) return std::string(kSecret);
        return std::nullopt;
      },
      std::chrono::system_clock::now());
}

encoding::SlsLogGroup DecodeBody(const Received& r, compression::Codec codec) {
  const size_t raw_size = std::stoul(r.Header("x-log-bodyrawsize"));
  std::string raw = r.body;
  if (codec != compression::Codec::kNone) {
    auto d = compression::Decompress(codec, r.body, 64 << 20, raw_size);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    raw = d.ok() ? *d : std::string();
  }
  EXPECT_EQ(raw.size(), raw_size);
  auto group = encoding::DecodeLogGroup(raw);
  EXPECT_TRUE(group.ok()) << group.status().ToString();
  return group.ok() ? *group : encoding::SlsLogGroup{};
}

std::string Content(const encoding::SlsLog& log, const std::string& key) {
  for (const auto& c : log.contents) {
    if (c.key == key) return c.value;
  }
  return "<absent>";
}

TEST(SlsLogExporterTest, PutLogsRequestIsExactlyWhatSlsExpects) {
  FakeSls sls;
  auto exporter = Make(Options(sls.Endpoint()));
  Status s = exporter->Export(Batch(2), SteadyClock::now() + seconds(5));
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto got = sls.received();
  ASSERT_EQ(got.size(), 1u);
  const Received& r = got[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/logstores/app-logs/shards/lb");
  EXPECT_EQ(r.Header("Host"), "proj.127.0.0.1:" + std::to_string(sls.port()));
  EXPECT_EQ(r.Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(r.Header("x-log-apiversion"), "0.6.0");
  EXPECT_EQ(r.Header("x-log-signaturemethod"), "hmac-sha1");
  EXPECT_EQ(r.Header("x-log-compresstype"), "lz4");
  EXPECT_FALSE(r.Has("x-acs-security-token"));
  EXPECT_TRUE(r.Has("Date"));
  EXPECT_EQ(r.Header("Content-Length"), std::to_string(r.body.size()));
  // MD5 of the body as sent (compressed), uppercase hex.
  const std::string md5 = r.Header("Content-MD5");
  EXPECT_EQ(md5, signing::ContentMd5Hex(r.body));
  EXPECT_EQ(md5.size(), 32u);
  EXPECT_EQ(md5.find_first_of("abcdef"), std::string::npos) << md5;
  EXPECT_EQ(r.Header("Authorization").rfind(std::string("LOG ") + kAk + ":", 0), 0u);
  Status verified = Verify(r);
  EXPECT_TRUE(verified.ok()) << verified.ToString();

  encoding::SlsLogGroup group = DecodeBody(r, compression::Codec::kLz4);
  EXPECT_EQ(group.topic, "checkout");
  EXPECT_EQ(group.source, "10.0.0.7");
  ASSERT_EQ(group.tags.size(), 2u);
  EXPECT_EQ(group.tags[0], (std::pair<std::string, std::string>{"service.name", "checkout"}));
  EXPECT_EQ(group.tags[1], (std::pair<std::string, std::string>{"process.pid", "4242"}));
  ASSERT_EQ(group.logs.size(), 2u);
  const encoding::SlsLog& log = group.logs[1];
  EXPECT_EQ(log.time, 1700000000u);
  ASSERT_TRUE(log.time_ns.has_value());
  EXPECT_EQ(*log.time_ns, 123456790u);
  std::vector<std::pair<std::string, std::string>> contents;
  for (const auto& c : log.contents) contents.emplace_back(c.key, c.value);
  EXPECT_EQ(contents, (std::vector<std::pair<std::string, std::string>>{
                          {"message", "payment slow 1"},
                          {"level", "WARN"},
                          {"logger", "app.payments"},
                          {"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
                          {"span_id", "00f067aa0ba902b7"},
                          {"order.id", "o-1"},
                          {"retries", "3"},
                          {"ok", "false"},
                          {"ratio", "0.5"}}));
  EXPECT_EQ(exporter->stats().exported_logs.load(), 2u);
  EXPECT_EQ(exporter->stats().requests.load(), 1u);
}

TEST(SlsLogExporterTest, AbsentFieldsAreOmittedAndTimesFallBack) {
  FakeSls sls;
  SlsLogExporterOptions o = Options(sls.Endpoint());
  o.compression = compression::Codec::kNone;
  o.topic.clear();
  auto exporter = Make(o);
  LogBatch batch;
  auto r = std::make_unique<LogRecordData>();
  r->observed_time_unix_nano = 1700000002000000005ull;
  r->severity_number = kSeverityError + 1;
  r->body = int64_t{42};
  batch.push_back(std::move(r));
  batch.push_back(nullptr);
  ASSERT_TRUE(exporter->Export(batch, SteadyClock::now() + seconds(5)).ok());
  auto got = sls.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].Has("x-log-compresstype"));
  EXPECT_EQ(got[0].Header("x-log-bodyrawsize"), std::to_string(got[0].body.size()));
  encoding::SlsLogGroup group = DecodeBody(got[0], compression::Codec::kNone);
  EXPECT_EQ(group.topic, "");
  ASSERT_EQ(group.logs.size(), 1u);
  EXPECT_EQ(group.logs[0].time, 1700000002u);
  EXPECT_EQ(group.logs[0].time_ns.value_or(0), 5u);
  EXPECT_EQ(Content(group.logs[0], "message"), "42");
  EXPECT_EQ(Content(group.logs[0], "level"), "ERROR");
  EXPECT_EQ(Content(group.logs[0], "logger"), "<absent>");
  EXPECT_EQ(Content(group.logs[0], "trace_id"), "<absent>");
  EXPECT_EQ(Content(group.logs[0], "span_id"), "<absent>");
}

TEST(SlsLogExporterTest, ZstdBodies) {
  FakeSls sls;
  SlsLogExporterOptions o = Options(sls.Endpoint());
  o.compression = compression::Codec::kZstd;
  auto exporter = Make(o);
  ASSERT_TRUE(exporter->Export(Batch(3), SteadyClock::now() + seconds(5)).ok());
  auto got = sls.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].Header("x-log-compresstype"), "zstd");
  EXPECT_TRUE(Verify(got[0]).ok());
  EXPECT_EQ(DecodeBody(got[0], compression::Codec::kZstd).logs.size(), 3u);
}

TEST(SlsLogExporterTest, SignatureV4WithRegionAndStsToken) {
  FakeSls sls;
  SlsLogExporterOptions o = Options(sls.Endpoint());
  o.signature_version = SlsLogExporterOptions::SignatureVersion::kV4;
  o.region = "cn-hangzhou";
  o.security_token = "sts-token-1";
  auto exporter = Make(o);
  ASSERT_TRUE(exporter->Export(Batch(1), SteadyClock::now() + seconds(5)).ok());
  auto got = sls.received();
  ASSERT_EQ(got.size(), 1u);
  const Received& r = got[0];
  EXPECT_EQ(r.Header("x-acs-security-token"), "sts-token-1");
  EXPECT_EQ(r.Header("x-log-content-sha256"), signing::ContentSha256Hex(r.body));
  EXPECT_EQ(r.Header("x-log-date").size(), 16u);
  EXPECT_FALSE(r.Has("x-log-signaturemethod"));
  const std::string auth = r.Header("Authorization");
  EXPECT_EQ(auth.rfind(std::string("SLS4-HMAC-SHA256 Credential=") + kAk + "/", 0), 0u) << auth;
  EXPECT_NE(auth.find("/cn-hangzhou/sls/aliyun_v4_request"), std::string::npos) << auth;
  Status verified = Verify(r);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  EXPECT_EQ(DecodeBody(r, compression::Codec::kLz4).logs.size(), 1u);
}

TEST(SlsLogExporterTest, StsTokenIsSignedInV1) {
  FakeSls sls;
  SlsLogExporterOptions o = Options(sls.Endpoint());
  o.security_token = "sts-token-2";
  auto exporter = Make(o);
  ASSERT_TRUE(exporter->Export(Batch(1), SteadyClock::now() + seconds(5)).ok());
  auto got = sls.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].Header("x-acs-security-token"), "sts-token-2");
  EXPECT_TRUE(Verify(got[0]).ok());
  // A tampered token no longer verifies: the header is part of the signature.
  Received tampered = got[0];
  for (auto& [k, v] : tampered.headers) {
    if (Received::AsciiLowerForTest(k) == "x-acs-security-token") v = "other";
  }
  EXPECT_FALSE(Verify(tampered).ok());
}

TEST(SlsLogExporterTest, ServerBusyIsRetriedAndNothingIsLost) {
  FakeSls sls({Reply{503, R"({"errorCode":"ServerBusy","errorMessage":"busy"})"}, Reply{}});
  Errors errors;
  auto exporter = Make(Options(sls.Endpoint()), &errors);
  const auto start = SteadyClock::now();
  ASSERT_TRUE(exporter->Export(Batch(5), start + seconds(5)).ok());
  auto got = sls.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, got[1].body);
  EXPECT_EQ(DecodeBody(got[1], compression::Codec::kLz4).logs.size(), 5u);
  EXPECT_TRUE(Verify(got[1]).ok());
  EXPECT_EQ(exporter->stats().retries.load(), 1u);
  EXPECT_EQ(exporter->stats().exported_logs.load(), 5u);
  EXPECT_EQ(exporter->stats().failed_logs.load(), 0u);
  EXPECT_TRUE(errors.Get().empty());
}

TEST(SlsLogExporterTest, QuotaAndAnswersWithoutRequestIdAreRetried) {
  FakeSls sls({Reply{403, R"({"errorCode":"WriteQuotaExceed","errorMessage":"slow down"})"},
               Reply{200, "", /*request_id=*/false}, Reply{}});
  auto exporter = Make(Options(sls.Endpoint()));
  ASSERT_TRUE(exporter->Export(Batch(1), SteadyClock::now() + seconds(5)).ok());
  EXPECT_EQ(sls.received().size(), 3u);
  EXPECT_EQ(exporter->stats().retries.load(), 2u);
}

TEST(SlsLogExporterTest, SignatureNotMatchIsNotRetriedAndReportedOnce) {
  FakeSls sls({Reply{401,
                     R"({"errorCode": "SignatureNotMatch", "errorMessage": "signature bad"})"}});
  Errors errors;
  auto exporter = Make(Options(sls.Endpoint()), &errors);
  Status s = exporter->Export(Batch(3), SteadyClock::now() + seconds(5));
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(sls.received().size(), 1u);
  auto seen = errors.Get();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], s);
  EXPECT_EQ(seen[0].message().rfind("SignatureNotMatch: signature bad", 0), 0u)
      << seen[0].message();
  EXPECT_EQ(exporter->stats().failed_logs.load(), 3u);
  EXPECT_EQ(exporter->stats().retries.load(), 0u);
}

TEST(SlsLogExporterTest, NotFoundAndBadRequestsAreNotRetried) {
  for (int status : {400, 404}) {
    FakeSls sls({Reply{status, R"({"errorCode":"LogStoreNotExist","errorMessage":"x"})"}});
    auto exporter = Make(Options(sls.Endpoint()));
    EXPECT_FALSE(exporter->Export(Batch(1), SteadyClock::now() + seconds(5)).ok());
    EXPECT_EQ(sls.received().size(), 1u) << status;
  }
}

TEST(SlsLogExporterTest, NetworkErrorsAreRetriedWithinTheTimeout) {
  SlsLogExporterOptions o = Options("http://127.0.0.1:" + std::to_string(test_servers::ClosedPort()));
  o.timeout = milliseconds(400);
  Errors errors;
  auto exporter = Make(o, &errors);
  const auto start = SteadyClock::now();
  Status s = exporter->Export(Batch(1), start + seconds(30));
  EXPECT_FALSE(s.ok());
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1500));
  EXPECT_GE(exporter->stats().retries.load(), 2u);  // 10, 20, 40, ... ms apart
  EXPECT_EQ(errors.Get().size(), 1u);
}

TEST(SlsLogExporterTest, LargeBatchesAreSplitByCountAndBytes) {
  FakeSls sls;
  auto exporter = Make(Options(sls.Endpoint()));
  ASSERT_TRUE(exporter->Export(Batch(4097), SteadyClock::now() + seconds(10)).ok());
  auto got = sls.received();
  ASSERT_EQ(got.size(), 2u);
  auto first = DecodeBody(got[0], compression::Codec::kLz4);
  auto second = DecodeBody(got[1], compression::Codec::kLz4);
  EXPECT_EQ(first.logs.size(), 4096u);
  ASSERT_EQ(second.logs.size(), 1u);
  EXPECT_EQ(Content(second.logs[0], "message"), "payment slow 4096");
  EXPECT_EQ(exporter->stats().requests.load(), 2u);

  FakeSls small;
  SlsLogExporterOptions o = Options(small.Endpoint());
  o.max_request_bytes = 2000;  // a few logs of ~200 bytes each
  auto bytes_exporter = Make(o);
  ASSERT_TRUE(bytes_exporter->Export(Batch(40), SteadyClock::now() + seconds(10)).ok());
  auto parts = small.received();
  ASSERT_GT(parts.size(), 3u);
  size_t total = 0;
  for (const auto& part : parts) {
    EXPECT_LE(std::stoul(part.Header("x-log-bodyrawsize")), 2000u);
    total += DecodeBody(part, compression::Codec::kLz4).logs.size();
  }
  EXPECT_EQ(total, 40u);
  EXPECT_EQ(bytes_exporter->stats().exported_logs.load(), 40u);
}

TEST(SlsLogExporterTest, ShutdownCancelsTheRequestInFlight) {
  test_servers::SilentServer silent;
  SlsLogExporterOptions o = Options("http://127.0.0.1:" + std::to_string(silent.port()));
  o.timeout = seconds(30);
  auto exporter = Make(o);
  const auto start = SteadyClock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(150));
    exporter->Shutdown(SteadyClock::now() + seconds(5));
  });
  Status s = exporter->Export(Batch(1), start + seconds(30));
  stopper.join();
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1000));
}

TEST(SlsLogExporterTest, ShutdownStopsLaterExports) {
  FakeSls sls;
  auto exporter = Make(Options(sls.Endpoint()));
  exporter->Shutdown(SteadyClock::now() + seconds(1));
  EXPECT_EQ(exporter->Export(Batch(2), SteadyClock::now() + seconds(5)).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(exporter->stats().failed_logs.load(), 2u);
  EXPECT_TRUE(sls.received().empty());
}

TEST(SlsLogExporterTest, ForkedChildOpensAFreshClient) {
  FakeSls sls;
  auto exporter = Make(Options(sls.Endpoint()));
  ASSERT_TRUE(exporter->Export(Batch(1), SteadyClock::now() + seconds(5)).ok());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    exporter->AfterForkChild();
    const bool ok = exporter->Export(Batch(2), SteadyClock::now() + seconds(5)).ok();
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto got = sls.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(DecodeBody(got[1], compression::Codec::kLz4).logs.size(), 2u);
  EXPECT_TRUE(Verify(got[1]).ok());
}

TEST(SlsLogExporterTest, DestinationsFromEndpoints) {
  SlsLogExporterOptions o = Options("cn-hangzhou.log.aliyuncs.com");
  auto d = ResolveSlsDestination(o);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->url, "https://proj.cn-hangzhou.log.aliyuncs.com/logstores/app-logs/shards/lb");
  EXPECT_EQ(d->host_header, "proj.cn-hangzhou.log.aliyuncs.com");
  o.endpoint = "http://127.0.0.1:4319";
  d = ResolveSlsDestination(o);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->url, "http://127.0.0.1:4319/logstores/app-logs/shards/lb");
  EXPECT_EQ(d->host_header, "proj.127.0.0.1:4319");
  o.endpoint = "https://sls.internal:8443/";
  d = ResolveSlsDestination(o);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->url, "https://proj.sls.internal:8443/logstores/app-logs/shards/lb");
  o.endpoint = "ftp://x";
  EXPECT_FALSE(ResolveSlsDestination(o).ok());
  o.endpoint = "http://host/path";
  EXPECT_FALSE(ResolveSlsDestination(o).ok());
}

TEST(SlsLogExporterTest, ValidationMessages) {
  auto message = [](auto mutate) {
    SlsLogExporterOptions o = Options("http://127.0.0.1:1");
    mutate(o);
    return ValidateSlsLogExporterOptions(o).message();
  };
  EXPECT_EQ(message([](auto&) {}), "");
  EXPECT_EQ(message([](auto& o) { o.endpoint = " "; }), "endpoint must not be empty");
  EXPECT_EQ(message([](auto& o) { o.project.clear(); }), "project must not be empty");
  EXPECT_EQ(message([](auto& o) { o.logstore.clear(); }), "logstore must not be empty");
  EXPECT_EQ(message([](auto& o) { o.access_key_id.clear(); }), "ak_id must not be empty");
  EXPECT_EQ(message([](auto& o) { o.access_key_secret.clear(); }), "ak_secret must not be empty");
  EXPECT_EQ(message([](auto& o) {
              o.signature_version = SlsLogExporterOptions::SignatureVersion::kV4;
            }),
            "region is required for signature v4");
  EXPECT_EQ(SlsLogExporter::Create(Options(""), MakeResource()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SlsLogExporterTest, DefaultSourceAndBatchOptions) {
  SlsLogExporterOptions o = Options("http://127.0.0.1:1");
  o.source.clear();
  auto exporter = Make(o);
  EXPECT_FALSE(exporter->source().empty());
  BatchOptions b = SlsBatchOptions();
  EXPECT_EQ(b.max_export_batch, 4096u);
  EXPECT_EQ(b.schedule_delay, milliseconds(2000));
}

}  // namespace
}  // namespace ptx
