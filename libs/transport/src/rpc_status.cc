#include "rpc_status.h"

#include <algorithm>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace ptx::transport::internal {

std::optional<std::chrono::milliseconds> ParseRetryInfo(std::string_view bytes) {
  google::rpc::RetryInfo info;
  if (!info.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      !info.has_retry_delay()) {
    return std::nullopt;
  }
  // A server may send any int64: clamp to a year before converting, so nothing overflows.
  constexpr int64_t kMaxSeconds = 365LL * 24 * 3600;
  auto delay = std::chrono::seconds(std::clamp<int64_t>(info.retry_delay().seconds(), 0, kMaxSeconds)) +
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::nanoseconds(info.retry_delay().nanos()));
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(delay));
}

std::optional<RpcStatusInfo> ParseRpcStatus(std::string_view bytes) {
  google::rpc::Status status;
  if (bytes.empty() || !status.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return std::nullopt;
  }
  RpcStatusInfo info;
  info.code = status.code();
  info.message = status.message();
  for (const auto& detail : status.details()) {
    if (detail.Is<google::rpc::RetryInfo>()) {
      info.retry_delay = ParseRetryInfo(detail.value());
      if (info.retry_delay) break;
    }
  }
  return info;
}

}  // namespace ptx::transport::internal
