#include "grpc_common.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <utility>

#include "rpc_status.h"

namespace ptx::transport::internal {

bool IsRetryableGrpcCode(StatusCode code) {
  switch (code) {
    case StatusCode::kCancelled:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kAborted:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnavailable:
    case StatusCode::kDataLoss:
      return true;
    default:
      return false;
  }
}

SendResult ClassifyGrpcCall(GrpcCallOutcome outcome) {
  SendResult result;
  if (outcome.code == StatusCode::kOk) {
    result.response_body = std::move(outcome.response);
    return result;
  }
  std::string message = "OTLP/gRPC " + outcome.target + ": " + StatusCodeName(outcome.code);
  if (!outcome.message.empty()) message += ": " + outcome.message;
  result.status = Status(outcome.code, std::move(message));

  std::optional<std::chrono::milliseconds> retry_delay;
  if (auto details = ParseRpcStatus(outcome.status_details)) retry_delay = details->retry_delay;
  if (!retry_delay && outcome.retry_info) retry_delay = ParseRetryInfo(*outcome.retry_info);
  if (outcome.code == StatusCode::kResourceExhausted) {
    result.retryable = retry_delay.has_value();
  } else {
    result.retryable = IsRetryableGrpcCode(outcome.code);
  }
  if (outcome.cancelled_by_us) result.retryable = false;  // shutdown, not a server hiccup
  if (result.retryable) result.retry_after = retry_delay;
  return result;
}

Status ValidateGrpcOptions(OtlpGrpcTransportOptions& options) {
  if (options.target.empty()) return InvalidArgumentError("OTLP/gRPC: empty target");
  using compression::Codec;
  if (options.compression != Codec::kNone && options.compression != Codec::kGzip &&
      options.compression != Codec::kDeflate) {
    return InvalidArgumentError(std::string("OTLP/gRPC: unsupported compression ") +
                                compression::CodecName(options.compression));
  }
  for (auto& [key, value] : options.headers) {
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!IsValidGrpcMetadataKey(key) || !IsValidGrpcMetadataValue(key, value)) {
      return InvalidArgumentError("OTLP/gRPC: invalid metadata '" + key + "'");
    }
  }
  if (options.secure && !options.ca_file.empty()) {
    std::ifstream in(options.ca_file, std::ios::binary);
    if (!in) return InvalidArgumentError("OTLP/gRPC: cannot read CA file " + options.ca_file);
  }
  return Status();
}

}  // namespace ptx::transport::internal
