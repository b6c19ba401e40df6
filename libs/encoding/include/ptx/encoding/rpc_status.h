// google.rpc.Status: the protobuf error body of OTLP/HTTP and the gRPC rich error
// (grpc-status-details-bin), with the server's RetryInfo delay when it sent one.
//
//   auto st = ptx::encoding::DecodeRpcStatus(body);
//   if (st && st->retry_delay) SleepFor(*st->retry_delay);
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ptx::encoding {

struct RpcStatus {
  int code = 0;          // google.rpc.Code (gRPC status numbering)
  std::string message;   // developer-facing message
  // From a google.rpc.RetryInfo detail; negative delays read as zero.
  std::optional<std::chrono::milliseconds> retry_delay;
};

// nullopt when the bytes are not a google.rpc.Status. Unknown details are ignored, as is a
// RetryInfo that does not parse. An empty input is a Status with code 0.
std::optional<RpcStatus> DecodeRpcStatus(std::string_view bytes);

// The inverse, with a RetryInfo detail when retry_delay is set (for servers, fakes and tests).
std::string EncodeRpcStatus(const RpcStatus& status);

}  // namespace ptx::encoding
