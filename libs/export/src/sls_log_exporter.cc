#include "ptx/export/sls_log_exporter.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

#include "ptx/base/text.h"
#include "ptx/encoding/sls_log.h"
#include "ptx/signing/sls_auth.h"
#include "ptx/signing/sls_request.h"
#include "ptx/transport/otlp_http_transport.h"

#ifndef PTX_VERSION
#define PTX_VERSION "0.0.0"
#endif

namespace ptx {
namespace {

using encoding::SlsLog;
using encoding::SlsLogContent;
using encoding::SlsLogGroup;

constexpr char kPutLogsContentType[] = "application/x-protobuf";

bool IsIpv4Literal(std::string_view host) {
  in_addr addr{};
  return inet_pton(AF_INET, std::string(host).c_str(), &addr) == 1;
}

// A name fit for a Host label or a URL path segment: no separators, no spaces.
bool IsPlainName(std::string_view name) {
  for (char c : name) {
    if (c == '/' || c == '?' || c == '#' || c == '@' || c == ':' ||
        static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return false;
    }
  }
  return true;
}

struct ParsedEndpoint {
  std::string scheme;   // "http" or "https"
  std::string host;     // without port; IPv6 keeps its brackets
  std::string port;     // ":4319" or ""
  bool direct = false;  // connect to host itself, not {project}.{host}
};

Result<ParsedEndpoint> ParseEndpoint(std::string_view endpoint) {
  endpoint = TrimSpaces(endpoint);
  if (endpoint.empty()) return InvalidArgumentError("endpoint must not be empty");
  ParsedEndpoint out;
  out.scheme = "https";
  if (size_t p = endpoint.find("://"); p != std::string_view::npos) {
    out.scheme = AsciiLower(endpoint.substr(0, p));
    if (out.scheme != "http" && out.scheme != "https") {
      return InvalidArgumentError("SLS endpoint scheme must be http or https: '" +
                                  std::string(endpoint) + "'");
    }
    endpoint.remove_prefix(p + 3);
  }
  if (size_t slash = endpoint.find('/'); slash != std::string_view::npos) {
    if (endpoint.substr(slash) != "/") {
      return InvalidArgumentError("SLS endpoint must not have a path: '" + std::string(endpoint) +
                                  "'");
    }
    endpoint = endpoint.substr(0, slash);
  }
  std::string_view host = endpoint;
  if (!host.empty() && host.front() == '[') {  // [v6]:port
    size_t close = host.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("bad SLS endpoint host");
    out.host = std::string(host.substr(0, close + 1));
    host.remove_prefix(close + 1);
    out.direct = true;
  } else {
    size_t colon = host.find(':');
    out.host = std::string(host.substr(0, colon));
    host = colon == std::string_view::npos ? std::string_view() : host.substr(colon);
    out.direct = IsIpv4Literal(out.host) || AsciiLower(out.host) == "localhost";
  }
  if (!host.empty()) {
    if (host.front() != ':' || host.size() < 2 ||
        !std::all_of(host.begin() + 1, host.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return InvalidArgumentError("bad SLS endpoint port: '" + std::string(endpoint) + "'");
    }
    out.port = std::string(host);
  }
  if (out.host.empty() || !IsPlainName(out.host.front() == '[' ? "" : out.host)) {
    return InvalidArgumentError("bad SLS endpoint host: '" + std::string(endpoint) + "'");
  }
  return out;
}

// This host's first non-loopback IPv4 address (what the official producers put in __source__),
// else its host name.
std::string DefaultSource() {
  std::string ip;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* it = list; it != nullptr && ip.empty(); it = it->ifa_next) {
      if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
      if ((it->ifa_flags & IFF_LOOPBACK) != 0 || (it->ifa_flags & IFF_UP) == 0) continue;
      char buf[INET_ADDRSTRLEN];
      const auto* sin = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
      if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)) != nullptr) ip = buf;
    }
    freeifaddrs(list);
  }
  if (!ip.empty()) return ip;
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) == 0 && name[0] != '\0') return name;
  return "127.0.0.1";
}

std::string ValueText(const AttributeValue& value) {
  if (auto* s = std::get_if<std::string>(&value)) return *s;
  return AttributeValueToString(value);
}

SlsLog ToSlsLog(const LogRecordData& record) {
  SlsLog log;
  uint64_t t = record.time_unix_nano != 0 ? record.time_unix_nano : record.observed_time_unix_nano;
  if (t == 0) t = NowUnixNanos();
  log.time = static_cast<uint32_t>(t / 1000000000ull);
  log.time_ns = static_cast<uint32_t>(t % 1000000000ull);
  log.contents.reserve(5 + record.attributes.size());
  if (record.body) log.contents.push_back({"message", ValueText(*record.body)});
  std::string level = record.severity_text.empty()
                          ? std::string(SeverityRangeName(record.severity_number))
                          : record.severity_text;
  if (!level.empty()) log.contents.push_back({"level", std::move(level)});
  if (record.scope != nullptr && !record.scope->name.empty()) {
    log.contents.push_back({"logger", record.scope->name});
  }
  if (record.trace_id.valid()) log.contents.push_back({"trace_id", record.trace_id.ToHex()});
  if (record.span_id.valid()) log.contents.push_back({"span_id", record.span_id.ToHex()});
  for (const auto& [key, value] : record.attributes) {
    log.contents.push_back({key, ValueText(value)});
  }
  return log;
}

// Encoded protobuf sizes, to split batches before encoding them.
size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
size_t FieldSize(size_t payload) { return 1 + VarintSize(payload) + payload; }
size_t EncodedLogSize(const SlsLog& log) {
  size_t size = 1 + VarintSize(log.time) + (log.time_ns ? 5 : 0);
  for (const auto& c : log.contents) {
    size += FieldSize(FieldSize(c.key.size()) + FieldSize(c.value.size()));
  }
  return FieldSize(size);
}

// The SLS answer's errorCode and errorMessage from its JSON body; empty when absent.
std::string JsonStringField(std::string_view body, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  size_t p = body.find(quoted);
  if (p == std::string_view::npos) return {};
  p = body.find_first_not_of(" \t\r\n", p + quoted.size());
  if (p == std::string_view::npos || body[p] != ':') return {};
  p = body.find_first_not_of(" \t\r\n", p + 1);
  if (p == std::string_view::npos || body[p] != '"') return {};
  std::string out;
  for (++p; p < body.size() && body[p] != '"'; ++p) {
    if (body[p] == '\\' && p + 1 < body.size()) {
      ++p;
      switch (body[p]) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        default: out += body[p]; break;  // \" \\ \/ (and \u kept as its letter: rare here)
      }
    } else {
      out += body[p];
    }
  }
  return out;
}

bool IsQuotaError(std::string_view code) {
  return code == "WriteQuotaExceed" || code == "ShardWriteQuotaExceed";
}

StatusCode HttpStatusCode(int status, bool quota) {
  if (status >= 500) return StatusCode::kUnavailable;
  switch (status) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return quota ? StatusCode::kResourceExhausted : StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 411:
    case 413:
    case 415: return StatusCode::kInvalidArgument;
    default: return StatusCode::kUnknown;
  }
}

}  // namespace

Status ValidateSlsLogExporterOptions(const SlsLogExporterOptions& o) {
  if (TrimSpaces(o.endpoint).empty()) return InvalidArgumentError("endpoint must not be empty");
  if (o.project.empty()) return InvalidArgumentError("project must not be empty");
  if (o.logstore.empty()) return InvalidArgumentError("logstore must not be empty");
  if (o.access_key_id.empty()) return InvalidArgumentError("ak_id must not be empty");
  if (o.access_key_secret.empty()) return InvalidArgumentError("ak_secret must not be empty");
  if (!IsPlainName(o.project)) return InvalidArgumentError("invalid project '" + o.project + "'");
  if (!IsPlainName(o.logstore)) {
    return InvalidArgumentError("invalid logstore '" + o.logstore + "'");
  }
  if (o.signature_version == SlsLogExporterOptions::SignatureVersion::kV4 && o.region.empty()) {
    return InvalidArgumentError("region is required for signature v4");
  }
  if (o.compression == compression::Codec::kGzip) {
    return InvalidArgumentError("unknown compression 'gzip' (SLS takes lz4, zstd or none)");
  }
  if (o.max_request_logs == 0 || o.max_request_bytes == 0) {
    return InvalidArgumentError("SLS request limits must be positive");
  }
  Result<ParsedEndpoint> parsed = ParseEndpoint(o.endpoint);
  return parsed.ok() ? Status::Ok() : parsed.status();
}

BatchOptions SlsBatchOptions() {
  BatchOptions o;
  o.max_queue = 4096;
  o.max_export_batch = 4096;
  o.schedule_delay = std::chrono::milliseconds(2000);
  o.export_timeout = std::chrono::milliseconds(30000);
  return o;
}

Result<SlsDestination> ResolveSlsDestination(const SlsLogExporterOptions& options) {
  Result<ParsedEndpoint> parsed = ParseEndpoint(options.endpoint);
  if (!parsed.ok()) return parsed.status();
  SlsDestination d;
  d.path = "/logstores/" + options.logstore + "/shards/lb";
  d.host_header = options.project + "." + parsed->host + parsed->port;
  d.url = parsed->scheme + "://" + (parsed->direct ? parsed->host + parsed->port : d.host_header) +
          d.path;
  return d;
}

// Everything behind the public class: configuration, the HTTP client and the
// shutdown/export handshake (the same shape as the OTLP exporters').
struct SlsLogExporter::Impl {
  SlsLogExporterOptions options;
  SlsDestination destination;
  signing::SlsCredentials credentials;
  std::string source;
  std::vector<std::pair<std::string, std::string>> tags;
  size_t group_overhead = 0;  // encoded topic, source and tags
  SlsLogExporter::ErrorHook on_error;

  std::unique_ptr<transport::HttpClient> client;  // replaced only in a forked child
  transport::Interrupter interrupter;
  std::mutex mu;
  std::condition_variable idle_cv;
  bool shutdown = false;   // GUARDED_BY(mu)
  bool exporting = false;  // GUARDED_BY(mu)

  static std::unique_ptr<transport::HttpClient> MakeClient(const SlsLogExporterOptions& o) {
    transport::HttpClientOptions http;
    http.ca_file = o.ca_file;
    http.user_agent = o.user_agent.empty() ? std::string("pytracingx-sls/") + PTX_VERSION
                                           : o.user_agent;
    return std::make_unique<transport::CurlHttpClient>(std::move(http));
  }

  void Report(const Status& status) {
    if (on_error) on_error(status);
  }

  // One PutLogs attempt: sign now (Date must be fresh on each retry), post, classify.
  transport::SendResult PostOnce(std::string_view body, size_t raw_size,
                                 SteadyClock::time_point deadline) {
    signing::SlsRequest request;
    request.method = "POST";
    request.path = destination.path;
    request.body = body;
    signing::SetHeader(request, "Host", destination.host_header);
    signing::SetHeader(request, "Content-Type", kPutLogsContentType);
    signing::SetHeader(request, "x-log-bodyrawsize", std::to_string(raw_size));
    if (options.compression != compression::Codec::kNone) {
      signing::SetHeader(request, "x-log-compresstype", compression::CodecName(options.compression));
    }
    const auto now = std::chrono::system_clock::now();
    if (options.signature_version == SlsLogExporterOptions::SignatureVersion::kV4) {
      signing::SignRequestV4(request, credentials, options.region, now);
    } else {
      signing::SignRequestV1(request, credentials, now);
    }
    transport::HttpRequest http{destination.url, std::move(request.headers), std::string(body)};
    Result<transport::HttpResponse> response = client->Post(http, deadline);
    const std::string where = "SLS PutLogs " + options.project + "/" + options.logstore;
    if (!response.ok()) {
      const StatusCode code = response.status().code();
      const bool retryable = code != StatusCode::kCancelled &&
                             code != StatusCode::kInvalidArgument &&
                             code != StatusCode::kFailedPrecondition;
      return transport::SendResult::Failure(
          Status(code, where + ": " + response.status().message()), retryable);
    }
    const transport::HttpResponse& r = *response;
    const std::string* request_id = r.FindHeader("x-log-requestid");
    if (request_id == nullptr) {
      // Not an SLS answer (a proxy, a load balancer): the official producers treat this as
      // a network failure.
      return transport::SendResult::Failure(
          UnavailableError(where + ": HTTP " + std::to_string(r.status) +
                           " without x-log-requestid"),
          true);
    }
    if (r.status == 200) return transport::SendResult{};
    std::string error_code = JsonStringField(r.body, "errorCode");
    std::string error_message = JsonStringField(r.body, "errorMessage");
    const bool quota = r.status == 403 && IsQuotaError(error_code);
    const bool retryable = r.status >= 500 || quota;
    std::string message = error_code.empty() ? "HTTP " + std::to_string(r.status) : error_code;
    if (!error_message.empty()) message += ": " + error_message;
    message += " (" + where + ": HTTP " + std::to_string(r.status) + ", request id " +
               *request_id + ")";
    transport::SendResult result =
        transport::SendResult::Failure(Status(HttpStatusCode(r.status, quota), message), retryable);
    // SLS itself sends no Retry-After, but a gateway in front of it (or the emulator's fault
    // injection) may: waiting as asked is kinder than the computed back-off.
    if (const std::string* retry_after = r.FindHeader("retry-after"); retry_after && retryable) {
      result.retry_after =
          transport::ParseRetryAfter(*retry_after, std::chrono::system_clock::now());
    }
    return result;
  }

  // Adapts one prepared PutLogs request to the transport interface, so that the shared retry
  // loop (back-off, deadline, interrupt) drives it.
  class Attempts final : public transport::OtlpTransport {
   public:
    Attempts(Impl& impl, size_t raw_size) : impl_(impl), raw_size_(raw_size) {}
    transport::SendResult Send(std::string_view body, SteadyClock::time_point deadline) override {
      return impl_.PostOnce(body, raw_size_, deadline);
    }
    void Cancel() override { impl_.client->Cancel(); }

   private:
    Impl& impl_;
    const size_t raw_size_;
  };
};

Result<std::unique_ptr<SlsLogExporter>> SlsLogExporter::Create(
    SlsLogExporterOptions options, Resource resource, ErrorHook on_error,
    std::unique_ptr<transport::HttpClient> client) {
  if (Status s = ValidateSlsLogExporterOptions(options); !s.ok()) return s;
  Result<SlsDestination> destination = ResolveSlsDestination(options);
  if (!destination.ok()) return destination.status();
  auto impl = std::make_unique<Impl>();
  impl->destination = std::move(destination).value();
  impl->credentials = {options.access_key_id, options.access_key_secret, options.security_token};
  impl->source = options.source.empty() ? DefaultSource() : options.source;
  for (const auto& [key, value] : resource.attributes) {
    impl->tags.emplace_back(key, ValueText(value));
  }
  SlsLogGroup overhead;
  overhead.topic = options.topic;
  overhead.source = impl->source;
  overhead.tags = impl->tags;
  impl->group_overhead = encoding::EncodeLogGroup(overhead).size();
  impl->client = client ? std::move(client) : Impl::MakeClient(options);
  impl->on_error = std::move(on_error);
  impl->options = std::move(options);
  return std::unique_ptr<SlsLogExporter>(new SlsLogExporter(std::move(impl)));
}

SlsLogExporter::SlsLogExporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SlsLogExporter::~SlsLogExporter() { Shutdown(SteadyClock::now()); }

const SlsDestination& SlsLogExporter::destination() const { return impl_->destination; }
const std::string& SlsLogExporter::source() const { return impl_->source; }

Status SlsLogExporter::Export(const LogBatch& batch, SteadyClock::time_point deadline) {
  Impl& im = *impl_;
  const uint64_t total = static_cast<uint64_t>(
      std::count_if(batch.begin(), batch.end(), [](const auto& r) { return r != nullptr; }));
  {
    std::lock_guard<std::mutex> lock(im.mu);
    if (im.shutdown) {
      stats_.failed_logs += total;
      return Status(StatusCode::kFailedPrecondition, "SLS exporter is shut down");
    }
    im.exporting = true;
  }
  const SteadyClock::time_point effective =
      std::min(deadline, SteadyClock::now() + im.options.timeout);
  uint64_t sent = 0;
  Status result;
  size_t next = 0;
  while (result.ok() && next < batch.size()) {
    // One request: as many logs as fit the count and byte limits (at least one).
    SlsLogGroup group;
    group.topic = im.options.topic;
    group.source = im.source;
    group.tags = im.tags;
    size_t bytes = im.group_overhead;
    for (; next < batch.size(); ++next) {
      if (!batch[next]) continue;
      if (group.logs.size() >= im.options.max_request_logs) break;
      SlsLog log = ToSlsLog(*batch[next]);
      const size_t size = EncodedLogSize(log);
      if (!group.logs.empty() && bytes + size > im.options.max_request_bytes) break;
      bytes += size;
      group.logs.push_back(std::move(log));
    }
    if (group.logs.empty()) break;
    const std::string raw = encoding::EncodeLogGroup(group);
    std::string compressed;
    if (im.options.compression != compression::Codec::kNone) {
      Result<std::string> packed = compression::Compress(im.options.compression, raw);
      if (!packed.ok()) {
        result = packed.status();
        break;
      }
      compressed = std::move(packed).value();
    }
    const std::string_view body = im.options.compression == compression::Codec::kNone
                                      ? std::string_view(raw)
                                      : std::string_view(compressed);
    Impl::Attempts attempts(im, raw.size());
    transport::SendResult r =
        transport::SendWithRetry(attempts, body, effective, im.options.retry, im.interrupter);
    stats_.retries += static_cast<uint64_t>(std::max(r.attempts - 1, 0));
    if (r.status.ok()) {
      sent += group.logs.size();
      ++stats_.requests;
    } else {
      result = r.status;
    }
  }
  stats_.exported_logs += sent;
  if (!result.ok()) {
    stats_.failed_logs += total - sent;
    im.Report(result);
  }
  {
    std::lock_guard<std::mutex> lock(im.mu);
    im.exporting = false;
  }
  im.idle_cv.notify_all();
  return result;
}

void SlsLogExporter::Shutdown(SteadyClock::time_point deadline) {
  Impl& im = *impl_;
  {
    std::lock_guard<std::mutex> lock(im.mu);
    im.shutdown = true;
  }
  im.interrupter.Interrupt();
  if (im.client) im.client->Cancel();
  std::unique_lock<std::mutex> lock(im.mu);
  im.idle_cv.wait_until(lock, deadline, [&] { return !im.exporting; });
}

void SlsLogExporter::AfterForkChild() {
  // Only the forking thread exists here; the old client (and the synchronization objects) may
  // be held by a parent thread that is gone, so they are leaked rather than destroyed.
  Impl& im = *impl_;
  (void)im.client.release();
  new (&im.mu) std::mutex();
  new (&im.idle_cv) std::condition_variable();
  new (&im.interrupter) transport::Interrupter();
  im.exporting = false;
  im.client = Impl::MakeClient(im.options);
}

}  // namespace ptx
