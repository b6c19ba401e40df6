// Internal: reading google.rpc.Status (HTTP error bodies, gRPC status details).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ptx::transport::internal {

struct RpcStatusInfo {
  int code = 0;
  std::string message;
  std::optional<std::chrono::milliseconds> retry_delay;  // from a google.rpc.RetryInfo detail
};

// nullopt when `bytes` is not a google.rpc.Status.
std::optional<RpcStatusInfo> ParseRpcStatus(std::string_view bytes);
// nullopt when `bytes` is not a google.rpc.RetryInfo with a delay.
std::optional<std::chrono::milliseconds> ParseRetryInfo(std::string_view bytes);

}  // namespace ptx::transport::internal
