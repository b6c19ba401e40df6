#include "ptx/transport/otlp_http_transport.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <vector>

#include "ptx/base/http_status.h"
#include "rpc_status.h"

namespace ptx::transport {
namespace {

using compression::Codec;

// How much of a non-protobuf error body goes into a Status message.
constexpr size_t kMaxErrorTextBytes = 256;

// zlib level of gzip and deflate bodies. On a 512-span OTLP batch level 1 takes about 40% of
// level 6's CPU for output 15% larger (10.3% vs 8.9% of the raw size; bench_native
// BM_Compress/gzip_level1 vs gzip_level6): the export thread's CPU bounds throughput, while
// a few more bytes on a local network or to a collector cost little. zstd keeps its default.
constexpr int kOtlpZlibLevel = 1;

std::string Lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const char* ContentEncoding(Codec codec) {
  switch (codec) {
    case Codec::kGzip:
      return "gzip";
    case Codec::kDeflate:
      return "deflate";
    case Codec::kZstd:
      return "zstd";
    default:
      return nullptr;
  }
}

bool IsRetryableHttpStatus(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

// Transport failures worth another attempt: the network may come back, the deadline is the
// retry loop's business.
bool IsRetryableTransportError(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded;
}

std::string ErrorText(const HttpResponse& response) {
  const std::string* type = response.FindHeader("content-type");
  std::string lower_type = type != nullptr ? Lowercase(*type) : std::string();
  if (lower_type.empty() || lower_type.find("protobuf") != std::string::npos) {
    if (auto rpc = internal::ParseRpcStatus(response.body)) return rpc->message;
  }
  if (lower_type.rfind("text/", 0) == 0 || lower_type.find("json") != std::string::npos) {
    std::string text = response.body.substr(0, kMaxErrorTextBytes);
    for (char& c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    return text;
  }
  return std::string();
}

// ---- Retry-After ----

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isdigit(c) != 0;
  });
}

int ParseSmallInt(std::string_view s) {
  if (!AllDigits(s) || s.size() > 4) return -1;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

int MonthIndex(std::string_view s) {
  static constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
  std::string lower = Lowercase(s);
  for (int i = 0; i < 12; ++i) {
    if (lower == kMonths[i]) return i + 1;
  }
  return 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date (era-based civil calendar arithmetic).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t day_of_year = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// The three HTTP-date forms of RFC 9110: IMF-fixdate, RFC 850 and asctime.
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view value) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || value[i] == ' ' || value[i] == ',' || value[i] == '-' ||
        value[i] == ':') {
      if (i > start) tokens.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  int day, month, year, hour, minute, second;
  if (tokens.size() == 8 && MonthIndex(tokens[2]) != 0 && tokens[7] == "GMT") {
    day = ParseSmallInt(tokens[1]);
    month = MonthIndex(tokens[2]);
    year = ParseSmallInt(tokens[3]);
    hour = ParseSmallInt(tokens[4]);
    minute = ParseSmallInt(tokens[5]);
    second = ParseSmallInt(tokens[6]);
    if (tokens[3].size() == 2 && year >= 0) year += year < 70 ? 2000 : 1900;
  } else if (tokens.size() == 7 && MonthIndex(tokens[1]) != 0) {
    month = MonthIndex(tokens[1]);
    day = ParseSmallInt(tokens[2]);
    hour = ParseSmallInt(tokens[3]);
    minute = ParseSmallInt(tokens[4]);
    second = ParseSmallInt(tokens[5]);
    year = ParseSmallInt(tokens[6]);
  } else {
    return std::nullopt;
  }
  if (day < 1 || day > 31 || year < 1970 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 60) {
    return std::nullopt;
  }
  int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}


}  // namespace

// RFC 9110 token characters; a value must not smuggle in a line break.
bool IsValidHttpHeader(std::string_view name, std::string_view value) {
  static constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
  bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || kTokenPunct.find(static_cast<char>(c)) != std::string_view::npos;
  });
  return name_ok && value.find_first_of("\r\n") == std::string_view::npos &&
         value.find('\0') == std::string_view::npos;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (AllDigits(value)) {
    if (value.size() > 9) return std::nullopt;  // beyond any sane wait; treat as garbage
    return std::chrono::milliseconds(std::stoll(std::string(value)) * 1000);
  }
  auto when = ParseHttpDate(value);
  if (!when) return std::nullopt;
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(*when - now);
  return std::max(delay, std::chrono::milliseconds(0));
}

Result<std::unique_ptr<OtlpHttpTransport>> OtlpHttpTransport::Create(
    OtlpHttpTransportOptions options, std::unique_ptr<HttpClient> client) {
  if (options.url.empty()) return InvalidArgumentError("OTLP/HTTP: empty URL");
  for (const auto& [name, value] : options.headers) {
    if (!IsValidHttpHeader(name, value)) {
      return InvalidArgumentError("OTLP/HTTP: invalid header '" + name + "'");
    }
  }
  if (options.compression != Codec::kNone && ContentEncoding(options.compression) == nullptr) {
    return InvalidArgumentError(std::string("OTLP/HTTP: unsupported compression ") +
                                compression::CodecName(options.compression));
  }
  // The transport owns these two; a user copy would be sent twice.
  auto& headers = options.headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [](const auto& h) {
                                 std::string name = Lowercase(h.first);
                                 return name == "content-type" || name == "content-encoding";
                               }),
                headers.end());
  headers.emplace_back("Content-Type", "application/x-protobuf");
  if (const char* encoding = ContentEncoding(options.compression)) {
    headers.emplace_back("Content-Encoding", encoding);
  }
  if (client == nullptr) client = std::make_unique<CurlHttpClient>(options.client);
  return std::unique_ptr<OtlpHttpTransport>(
      new OtlpHttpTransport(std::move(options), std::move(client)));
}

OtlpHttpTransport::OtlpHttpTransport(OtlpHttpTransportOptions options,
                                     std::unique_ptr<HttpClient> client)
    : options_(std::move(options)), client_(std::move(client)) {}

SendResult OtlpHttpTransport::Send(std::string_view body, SteadyClock::time_point deadline) {
  HttpRequest request;
  request.url = options_.url;
  request.headers = options_.headers;
  if (options_.compression == Codec::kNone) {
    request.body.assign(body);
  } else {
    const int level = options_.compression == Codec::kZstd ? compression::kDefaultLevel
                                                           : kOtlpZlibLevel;
    Result<std::string> compressed = compression::Compress(options_.compression, body, level);
    if (!compressed.ok()) {
      return SendResult::Failure(Status(StatusCode::kInternal,
                               "OTLP/HTTP: compressing the request: " +
                                   compressed.status().message()), false);
    }
    request.body = std::move(compressed).value();
  }

  Result<HttpResponse> response = client_->Post(request, deadline);
  if (!response.ok()) {
    SendResult result;
    result.status = response.status();
    result.retryable = IsRetryableTransportError(response.status().code());
    return result;
  }
  SendResult result;
  if (response->status >= 200 && response->status < 300) {
    result.response_body = std::move(response->body);
    return result;
  }
  std::string message = "OTLP/HTTP " + std::to_string(response->status) + " from " +
                        options_.url;
  std::string text = ErrorText(*response);
  if (!text.empty()) message += ": " + text;
  result.status = Status(StatusCodeForHttp(response->status), std::move(message));
  result.retryable = IsRetryableHttpStatus(response->status);
  if (result.retryable) {
    if (const std::string* retry_after = response->FindHeader("retry-after")) {
      result.retry_after = ParseRetryAfter(*retry_after, std::chrono::system_clock::now());
    }
    if (!result.retry_after) {
      // Some receivers put google.rpc.RetryInfo in the error body instead of the header.
      if (auto rpc = internal::ParseRpcStatus(response->body)) {
        result.retry_after = rpc->retry_delay;
      }
    }
  }
  result.response_body = std::move(response->body);
  return result;
}

void OtlpHttpTransport::Cancel() { client_->Cancel(); }

}  // namespace ptx::transport
