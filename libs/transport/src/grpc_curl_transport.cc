// gRPC over HTTP/2 as the public protocol description has it: a POST to /<service>/<method>
// with a 5-byte length-prefixed message, the status in trailers (or, for an immediate error, in
// the one header block of a "trailers-only" response).
#include "grpc_curl_transport.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "grpc_common.h"
#include "ptx/base/hex.h"
#include "ptx/base/text.h"
#include "ptx/transport/http_client.h"

namespace ptx::transport::internal {
namespace {

using compression::Codec;

// gRPC's default message compression level (zlib's default too).
constexpr int kMessageCompressionLevel = 6;
// A response message larger than this is a misbehaving server (CurlHttpClient caps the body).
constexpr size_t kMaxResponseMessage = 16 * 1024 * 1024;
// The library's own user-agent token, after the application's prefix.
constexpr char kUserAgentToken[] = "ptx-grpc-curl/1";

// grpc-timeout: at most 8 digits and a unit; the finest unit that fits, rounded up so a
// server never sees less time than the client allows.
std::string GrpcTimeout(int64_t millis) {
  constexpr int64_t kMaxValue = 99999999;
  struct Unit {
    int64_t millis;
    char name;
  };
  static constexpr Unit kUnits[] = {{1, 'm'}, {1000, 'S'}, {60000, 'M'}, {3600000, 'H'}};
  for (const Unit& unit : kUnits) {
    const int64_t value = (millis + unit.millis - 1) / unit.millis;
    if (value <= kMaxValue) return std::to_string(value) + unit.name;
  }
  return std::to_string(kMaxValue) + "H";
}

// The gRPC code for a response without grpc-status (a proxy or a non-gRPC server answered).
StatusCode CodeForHttpStatus(int status) {
  switch (status) {
    case 400:
      return StatusCode::kInternal;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kUnknown;
  }
}

// -bin metadata travels as base64, padding optional; nullopt when malformed.
std::optional<std::string> DecodeBinaryHeader(std::string_view value) {
  std::string padded(value);
  while (padded.size() % 4 != 0) padded.push_back('=');
  std::string out;
  if (!Base64Decode(padded, &out)) return std::nullopt;
  return out;
}

bool IsBinaryKey(std::string_view key) {
  return key.size() > 4 && key.substr(key.size() - 4) == "-bin";
}

// Thread safety: see OtlpTransport (the client serializes calls; Cancel is thread-safe).
class CurlGrpcTransport final : public OtlpTransport {
 public:
  CurlGrpcTransport(OtlpGrpcTransportOptions options, std::unique_ptr<HttpClient> client)
      : options_(std::move(options)),
        url_(std::string(options_.secure ? "https://" : "http://") + options_.target +
             options_.method),
        client_(client != nullptr
                    ? std::move(client)
                    : std::unique_ptr<HttpClient>(
                          std::make_unique<CurlHttpClient>(ClientOptions(options_)))) {
    headers_ = {{"content-type", "application/grpc"}, {"te", "trailers"}};
    if (options_.compression != Codec::kNone) {  // gzip or deflate (validated)
      headers_.emplace_back("grpc-encoding", compression::CodecName(options_.compression));
      headers_.emplace_back("grpc-accept-encoding", "identity,deflate,gzip");
    }
    for (const auto& [key, value] : options_.headers) {
      headers_.emplace_back(key, IsBinaryKey(key) ? Base64Encode(value) : value);
    }
  }

  SendResult Send(std::string_view body, SteadyClock::time_point deadline) override {
    const int64_t left_ms = MillisUntil(deadline);
    if (left_ms <= 0) {
      return SendResult::Failure(
          DeadlineExceededError("OTLP/gRPC: deadline passed before the call"), true);
    }
    HttpRequest request;
    request.url = url_;
    request.headers = headers_;
    request.headers.emplace_back("grpc-timeout", GrpcTimeout(left_ms));
    std::string message;
    bool compressed = false;
    if (options_.compression != Codec::kNone) {
      Result<std::string> packed =
          compression::Compress(options_.compression, body, kMessageCompressionLevel);
      if (!packed.ok()) {
        return SendResult::Failure(
            InternalError("OTLP/gRPC: compressing the request: " + packed.status().message()),
            false);
      }
      message = std::move(packed).value();
      compressed = true;
    }
    std::string_view payload = compressed ? std::string_view(message) : body;
    request.body.reserve(5 + payload.size());
    request.body.push_back(compressed ? 1 : 0);
    const auto size = static_cast<uint32_t>(payload.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      request.body.push_back(static_cast<char>((size >> shift) & 0xff));
    }
    request.body.append(payload);

    Result<HttpResponse> response = client_->Post(request, deadline);
    if (!response.ok()) return TransportFailure(response.status());
    return Classify(*response);
  }

  void Cancel() override {
    cancelled_.store(true);
    client_->Cancel();
  }

 private:
  static HttpClientOptions ClientOptions(const OtlpGrpcTransportOptions& options) {
    HttpClientOptions client;
    client.ca_file = options.ca_file;
    client.user_agent = options.user_agent.empty()
                            ? std::string(kUserAgentToken)
                            : options.user_agent + " " + kUserAgentToken;
    client.http2 = true;
    return client;
  }

  SendResult TransportFailure(const Status& status) const {
    const StatusCode code = status.code();
    std::string message = "OTLP/gRPC " + options_.target + ": " + StatusCodeName(code) + ": " +
                           status.message();
    // Timeouts and unreachable servers may pass; cancellation, TLS and bad URLs will not.
    const bool retryable = !cancelled_.load() && (code == StatusCode::kDeadlineExceeded ||
                                                  code == StatusCode::kUnavailable);
    return SendResult::Failure(Status(code, std::move(message)), retryable);
  }

  SendResult Classify(HttpResponse& response) const {
    GrpcCallOutcome outcome;
    outcome.target = options_.target;
    outcome.cancelled_by_us = cancelled_.load();
    // Trailers normally; the header block itself in a trailers-only response.
    const HttpHeaders* fields = &response.trailers;
    auto find = [&](std::string_view name) -> const std::string* {
      for (const auto& [key, value] : *fields) {
        if (key == name) return &value;
      }
      return nullptr;
    };
    if (find("grpc-status") == nullptr) fields = &response.headers;
    const std::string* status = find("grpc-status");
    if (status == nullptr) {
      if (response.status != 200) {
        outcome.code = CodeForHttpStatus(response.status);
        outcome.message = "HTTP status " + std::to_string(response.status);
      } else {
        outcome.code = StatusCode::kInternal;
        outcome.message = "response without grpc-status";
      }
      return ClassifyGrpcCall(std::move(outcome));
    }
    if (status->empty() || status->size() > 2 ||
        !std::all_of(status->begin(), status->end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; })) {
      outcome.code = StatusCode::kInternal;
      outcome.message = "malformed grpc-status '" + *status + "'";
      return ClassifyGrpcCall(std::move(outcome));
    }
    const int code = std::stoi(*status);
    outcome.code = code <= static_cast<int>(StatusCode::kUnauthenticated)
                       ? static_cast<StatusCode>(code)
                       : StatusCode::kUnknown;
    if (outcome.code != StatusCode::kOk) {
      if (const std::string* text = find("grpc-message")) outcome.message = PercentDecode(*text);
      if (const std::string* details = find(kStatusDetailsTrailer)) {
        outcome.status_details = DecodeBinaryHeader(*details).value_or(std::string());
      }
      if (const std::string* info = find(kRetryInfoTrailer)) {
        outcome.retry_info = DecodeBinaryHeader(*info);
      }
      return ClassifyGrpcCall(std::move(outcome));
    }
    Status framed = Unframe(response, &outcome.response);
    if (!framed.ok()) {
      outcome.code = StatusCode::kInternal;
      outcome.message = framed.message();
    }
    return ClassifyGrpcCall(std::move(outcome));
  }

  // The one response message, decompressed when its flag says so.
  static Status Unframe(const HttpResponse& response, std::string* out) {
    const std::string& body = response.body;
    if (body.empty()) return Status();  // an empty message needs no frame from some servers
    if (body.size() < 5) return InternalError("truncated response frame");
    const auto byte = [&](size_t i) {
      return static_cast<uint32_t>(static_cast<uint8_t>(body[i]));
    };
    const uint32_t size = byte(1) << 24 | byte(2) << 16 | byte(3) << 8 | byte(4);
    if (body.size() - 5 != size) {
      return InternalError("response frame of " + std::to_string(size) + " bytes in a body of " +
                           std::to_string(body.size()));
    }
    std::string_view payload(body.data() + 5, size);
    if (byte(0) == 0) {
      out->assign(payload);
      return Status();
    }
    const std::string* encoding = response.FindHeader("grpc-encoding");
    const std::optional<Codec> codec =
        encoding != nullptr ? compression::ParseCodec(*encoding) : std::nullopt;
    if (codec != Codec::kGzip && codec != Codec::kDeflate) {
      return InternalError("compressed response with grpc-encoding '" +
                           (encoding != nullptr ? *encoding : std::string()) + "'");
    }
    Result<std::string> plain = compression::Decompress(*codec, payload, kMaxResponseMessage);
    if (!plain.ok()) return InternalError("response message: " + plain.status().message());
    *out = std::move(plain).value();
    return Status();
  }

  const OtlpGrpcTransportOptions options_;
  const std::string url_;
  HttpHeaders headers_;  // the fixed request headers; set in the constructor only
  const std::unique_ptr<HttpClient> client_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

Result<std::unique_ptr<OtlpTransport>> CreateCurlGrpcTransport(
    OtlpGrpcTransportOptions options, std::unique_ptr<HttpClient> client) {
  return std::unique_ptr<OtlpTransport>(
      std::make_unique<CurlGrpcTransport>(std::move(options), std::move(client)));
}

}  // namespace ptx::transport::internal
