// Fault injection for testing clients (documented in emulator/README.md, "Fault injection"):
// a table of pending faults, each armed for the next N requests of one listener (optionally
// of one path), that the receivers consult before they handle a request.
//
//   FaultTable faults;
//   faults.Add(*ParseFaultSpec(json::parse(R"({"target":"otlp-http","http_status":503})")));
//   if (std::optional<FaultSpec> f = faults.Take(FaultTarget::kOtlpHttp, "/v1/traces")) ...
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ptx/base/status.h"
#include "thread_annotations.h"

namespace ptx::emulator {

// The listener a fault applies to.
enum class FaultTarget { kOtlpGrpc, kOtlpHttp, kSls };

// "otlp-grpc", "otlp-http", "sls".
const char* FaultTargetName(FaultTarget target);

// What happens to a matching request. A fault with neither a failure (http_status, grpc_code)
// nor drop_connection only delays the request, which is then handled normally.
struct FaultSpec {
  FaultTarget target = FaultTarget::kOtlpHttp;
  // Empty: every request of the target. otlp-http and otlp-grpc match the path (gRPC: the full
  // method name) exactly; sls matches a path prefix at a segment boundary.
  std::string path;
  int64_t count = 1;               // how many matching requests the fault applies to
  int http_status = 0;             // otlp-http, sls: 400..599; 0: none
  int grpc_code = 0;               // otlp-grpc: 1..16; 0: none
  std::string error_code;          // sls: errorCode; empty: derived from http_status
  std::optional<int64_t> retry_after_s;   // otlp-http, sls: a Retry-After header
  std::optional<int64_t> retry_delay_ms;  // otlp-grpc: google.rpc.RetryInfo in the details
  int64_t delay_ms = 0;            // wait this long before answering
  bool drop_connection = false;    // close without answering (gRPC: answer UNAVAILABLE)

  // True when the request is refused (not handled, not stored).
  bool fails() const { return http_status != 0 || grpc_code != 0 || drop_connection; }
};

// Parses and validates a POST /api/faults body; InvalidArgument names the bad field.
Result<FaultSpec> ParseFaultSpec(const nlohmann::json& body);

// A pending fault as GET /api/faults lists it.
struct PendingFault {
  uint64_t id = 0;
  FaultSpec spec;
  int64_t remaining = 0;
};

nlohmann::json FaultToJson(const PendingFault& fault);

// The SLS errorCode of an sls fault: error_code, else one SLS uses for the status
// (503 ServerBusy, 403 WriteQuotaExceed, 500 InternalServerError, ...).
std::string SlsErrorCodeFor(const FaultSpec& spec);
// The message of every injected error.
inline constexpr char kInjectedFaultMessage[] = "injected fault";

// True when `path` is `prefix` or lies under it ("/logstores/app" matches
// "/logstores/app/shards/lb", not "/logstores/app2").
bool PathHasPrefix(std::string_view path, std::string_view prefix);

// Pending faults in the order they were added; the oldest matching one applies. Thread-safe.
class FaultTable {
 public:
  // Arms a fault; returns its id.
  uint64_t Add(FaultSpec spec);
  // The fault that applies to this request, if any, consuming one of its count; a fault
  // whose count is used up is removed.
  std::optional<FaultSpec> Take(FaultTarget target, std::string_view path);
  std::vector<PendingFault> List() const;
  void Clear();

 private:
  static bool Matches(const FaultSpec& spec, FaultTarget target, std::string_view path);

  mutable std::mutex mu_;
  uint64_t next_id_ PTX_GUARDED_BY(mu_) = 1;
  std::vector<PendingFault> faults_ PTX_GUARDED_BY(mu_);
};

}  // namespace ptx::emulator
