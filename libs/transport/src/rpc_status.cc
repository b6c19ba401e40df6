#include "rpc_status.h"

#include <algorithm>

#include "ptx/base/proto_wire.h"

namespace ptx::transport::internal {
namespace {


bool IsVarint(const ProtoWireReader& r, uint32_t field) {
  return r.field() == field && r.type() == ProtoWireType::kVarint;
}
bool IsBytes(const ProtoWireReader& r, uint32_t field) {
  return r.field() == field && r.type() == ProtoWireType::kLengthDelimited;
}

}  // namespace

// google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; }
// google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2; }
std::optional<std::chrono::milliseconds> ParseRetryInfo(std::string_view bytes) {
  bool has_delay = false;
  int64_t seconds = 0;
  int32_t nanos = 0;
  ProtoWireReader info(bytes);
  while (info.Next()) {
    if (!IsBytes(info, 1)) continue;
    has_delay = true;
    ProtoWireReader duration(info.bytes());
    while (duration.Next()) {
      if (IsVarint(duration, 1)) seconds = static_cast<int64_t>(duration.varint());
      if (IsVarint(duration, 2)) nanos = static_cast<int32_t>(duration.varint());
    }
    if (!duration.ok()) return std::nullopt;
  }
  if (!info.ok() || !has_delay) return std::nullopt;
  // A server may send any int64: clamp to a year before converting, so nothing overflows.
  constexpr int64_t kMaxSeconds = 365LL * 24 * 3600;
  auto delay = std::chrono::seconds(std::clamp<int64_t>(seconds, 0, kMaxSeconds)) +
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::nanoseconds(nanos));
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(delay));
}

// google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
// google.protobuf.Any { string type_url = 1; bytes value = 2; }
std::optional<RpcStatusInfo> ParseRpcStatus(std::string_view bytes) {
  if (bytes.empty()) return std::nullopt;
  RpcStatusInfo info;
  std::optional<std::chrono::milliseconds> retry_delay;
  ProtoWireReader status(bytes);
  while (status.Next()) {
    if (IsVarint(status, 1)) {
      info.code = static_cast<int32_t>(status.varint());
    } else if (IsBytes(status, 2)) {
      info.message.assign(status.bytes());
    } else if (IsBytes(status, 3)) {
      std::string_view type_url;
      std::string_view value;
      ProtoWireReader any(status.bytes());
      while (any.Next()) {
        if (IsBytes(any, 1)) type_url = any.bytes();
        if (IsBytes(any, 2)) value = any.bytes();
      }
      if (!any.ok()) return std::nullopt;
      // Any.Is<RetryInfo>() accepts any "<prefix>/google.rpc.RetryInfo".
      const std::string_view suffix = "/google.rpc.RetryInfo";
      const bool is_retry_info =
          type_url.size() >= suffix.size() &&
          type_url.substr(type_url.size() - suffix.size()) == suffix;
      if (is_retry_info && !retry_delay) retry_delay = ParseRetryInfo(value);
    }
  }
  if (!status.ok()) return std::nullopt;
  info.retry_delay = retry_delay;
  return info;
}

}  // namespace ptx::transport::internal
