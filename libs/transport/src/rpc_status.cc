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
  auto delay = std::chrono::seconds(info.retry_delay().seconds()) +
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
