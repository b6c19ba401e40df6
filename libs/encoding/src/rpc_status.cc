#include "ptx/encoding/rpc_status.h"

#include <climits>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace ptx::encoding {
namespace {

constexpr std::string_view kRetryInfoType = "google.rpc.RetryInfo";
constexpr std::string_view kTypeUrlPrefix = "type.googleapis.com/";

// Type URLs are "<any prefix>/<full message name>"; only the name after the last '/' counts.
bool IsRetryInfo(std::string_view type_url) {
  size_t slash = type_url.rfind('/');
  std::string_view name = slash == std::string_view::npos ? type_url : type_url.substr(slash + 1);
  return name == kRetryInfoType;
}

std::chrono::milliseconds ToMillis(const google::protobuf::Duration& d) {
  // Clamp before multiplying so that absurd server values cannot overflow.
  constexpr int64_t kMaxSeconds = INT64_MAX / 1000 - 1;
  int64_t seconds = d.seconds();
  if (seconds < 0 || (seconds == 0 && d.nanos() < 0)) return std::chrono::milliseconds(0);
  if (seconds > kMaxSeconds) seconds = kMaxSeconds;
  int64_t nanos = d.nanos() < 0 ? 0 : d.nanos();
  return std::chrono::milliseconds(seconds * 1000 + nanos / 1000000);
}

}  // namespace

std::optional<RpcStatus> DecodeRpcStatus(std::string_view bytes) {
  google::rpc::Status status;
  if (bytes.size() > INT_MAX ||
      !status.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return std::nullopt;
  }
  RpcStatus result;
  result.code = status.code();
  result.message = status.message();
  for (const google::protobuf::Any& detail : status.details()) {
    if (!IsRetryInfo(detail.type_url())) continue;
    google::rpc::RetryInfo info;
    if (info.ParseFromString(detail.value()) && info.has_retry_delay()) {
      result.retry_delay = ToMillis(info.retry_delay());
    }
  }
  return result;
}

std::string EncodeRpcStatus(const RpcStatus& status) {
  google::rpc::Status message;
  message.set_code(status.code);
  message.set_message(status.message);
  if (status.retry_delay) {
    google::rpc::RetryInfo info;
    int64_t ms = status.retry_delay->count();
    info.mutable_retry_delay()->set_seconds(ms / 1000);
    info.mutable_retry_delay()->set_nanos(static_cast<int32_t>((ms % 1000) * 1000000));
    google::protobuf::Any* any = message.add_details();
    any->set_type_url(std::string(kTypeUrlPrefix) + std::string(kRetryInfoType));
    any->set_value(info.SerializeAsString());
  }
  return message.SerializeAsString();
}

}  // namespace ptx::encoding
