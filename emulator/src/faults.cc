#include "faults.h"

#include <algorithm>
#include <utility>

namespace ptx::emulator {
namespace {

using nlohmann::json;

constexpr int64_t kMaxDelayMs = 600'000;

Status FieldError(const std::string& field, const std::string& why) {
  return InvalidArgumentError("\"" + field + "\" " + why);
}

// An integer field within [min, max]; nullopt when absent.
Result<std::optional<int64_t>> IntField(const json& body, const char* field, int64_t min,
                                        int64_t max) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) return FieldError(field, "must be an integer");
  int64_t value = it->is_number_unsigned()
                      ? static_cast<int64_t>(std::min<uint64_t>(it->get<uint64_t>(), INT64_MAX))
                      : it->get<int64_t>();
  if (value < min || value > max) {
    return FieldError(field, "must be in [" + std::to_string(min) + ", " + std::to_string(max) +
                                 "]");
  }
  return std::optional<int64_t>(value);
}

}  // namespace

const char* FaultTargetName(FaultTarget target) {
  switch (target) {
    case FaultTarget::kOtlpGrpc:
      return "otlp-grpc";
    case FaultTarget::kOtlpHttp:
      return "otlp-http";
    case FaultTarget::kSls:
      return "sls";
  }
  return "unknown";
}

Result<FaultSpec> ParseFaultSpec(const json& body) {
  if (!body.is_object()) return InvalidArgumentError("the body must be a JSON object");
  static const char* const kKnown[] = {"target",        "path",           "count",
                                       "http_status",   "grpc_code",      "error_code",
                                       "retry_after_s", "retry_delay_ms", "delay_ms",
                                       "drop_connection"};
  for (const auto& [key, value] : body.items()) {
    if (std::find_if(std::begin(kKnown), std::end(kKnown),
                     [&key = key](const char* k) { return key == k; }) == std::end(kKnown)) {
      return FieldError(key, "is not a fault field");
    }
  }
  FaultSpec spec;
  auto target = body.find("target");
  if (target == body.end() || !target->is_string()) {
    return FieldError("target", "is required: \"otlp-grpc\", \"otlp-http\" or \"sls\"");
  }
  const std::string name = target->get<std::string>();
  if (name == "otlp-grpc") {
    spec.target = FaultTarget::kOtlpGrpc;
  } else if (name == "otlp-http") {
    spec.target = FaultTarget::kOtlpHttp;
  } else if (name == "sls") {
    spec.target = FaultTarget::kSls;
  } else {
    return FieldError("target", "must be \"otlp-grpc\", \"otlp-http\" or \"sls\", not \"" + name +
                                    "\"");
  }
  if (auto path = body.find("path"); path != body.end() && !path->is_null()) {
    if (!path->is_string()) return FieldError("path", "must be a string");
    spec.path = path->get<std::string>();
    if (!spec.path.empty() && spec.path[0] != '/') return FieldError("path", "must start with /");
  }
  const bool grpc = spec.target == FaultTarget::kOtlpGrpc;

  Result<std::optional<int64_t>> count = IntField(body, "count", 1, INT64_MAX);
  if (!count.ok()) return count.status();
  if (*count) spec.count = **count;
  Result<std::optional<int64_t>> http_status = IntField(body, "http_status", 400, 599);
  if (!http_status.ok()) return http_status.status();
  if (*http_status) {
    if (grpc) return FieldError("http_status", "does not apply to otlp-grpc, use grpc_code");
    spec.http_status = static_cast<int>(**http_status);
  }
  Result<std::optional<int64_t>> grpc_code = IntField(body, "grpc_code", 1, 16);
  if (!grpc_code.ok()) return grpc_code.status();
  if (*grpc_code) {
    if (!grpc) return FieldError("grpc_code", "applies to otlp-grpc only, use http_status");
    spec.grpc_code = static_cast<int>(**grpc_code);
  }
  if (auto code = body.find("error_code"); code != body.end() && !code->is_null()) {
    if (!code->is_string()) return FieldError("error_code", "must be a string");
    if (spec.target != FaultTarget::kSls) return FieldError("error_code", "applies to sls only");
    spec.error_code = code->get<std::string>();
  }
  Result<std::optional<int64_t>> retry_after = IntField(body, "retry_after_s", 0, 86400);
  if (!retry_after.ok()) return retry_after.status();
  if (*retry_after) {
    if (grpc) return FieldError("retry_after_s", "does not apply to otlp-grpc, use retry_delay_ms");
    spec.retry_after_s = **retry_after;
  }
  Result<std::optional<int64_t>> retry_delay = IntField(body, "retry_delay_ms", 0, 86'400'000);
  if (!retry_delay.ok()) return retry_delay.status();
  if (*retry_delay) {
    if (!grpc) return FieldError("retry_delay_ms", "applies to otlp-grpc only, use retry_after_s");
    spec.retry_delay_ms = **retry_delay;
  }
  Result<std::optional<int64_t>> delay = IntField(body, "delay_ms", 0, kMaxDelayMs);
  if (!delay.ok()) return delay.status();
  if (*delay) spec.delay_ms = **delay;
  if (auto drop = body.find("drop_connection"); drop != body.end() && !drop->is_null()) {
    if (!drop->is_boolean()) return FieldError("drop_connection", "must be true or false");
    spec.drop_connection = drop->get<bool>();
  }

  const bool fails = spec.http_status != 0 || spec.grpc_code != 0;
  if (spec.drop_connection && fails) {
    return FieldError("drop_connection", "excludes http_status and grpc_code");
  }
  if (!fails && !spec.drop_connection && spec.delay_ms == 0) {
    return InvalidArgumentError(grpc ? "a fault needs grpc_code, delay_ms or drop_connection"
                                     : "a fault needs http_status, delay_ms or drop_connection");
  }
  if ((spec.retry_after_s || spec.retry_delay_ms || !spec.error_code.empty()) && !fails) {
    return InvalidArgumentError(
        "retry_after_s, retry_delay_ms and error_code need a failure (http_status or grpc_code)");
  }
  return spec;
}

json FaultToJson(const PendingFault& fault) {
  const FaultSpec& s = fault.spec;
  json out = {{"id", fault.id},
              {"target", FaultTargetName(s.target)},
              {"path", s.path},
              {"count", s.count},
              {"remaining", fault.remaining},
              {"delay_ms", s.delay_ms},
              {"drop_connection", s.drop_connection}};
  if (s.http_status) out["http_status"] = s.http_status;
  if (s.grpc_code) out["grpc_code"] = s.grpc_code;
  if (!s.error_code.empty()) out["error_code"] = s.error_code;
  if (s.retry_after_s) out["retry_after_s"] = *s.retry_after_s;
  if (s.retry_delay_ms) out["retry_delay_ms"] = *s.retry_delay_ms;
  return out;
}

std::string SlsErrorCodeFor(const FaultSpec& spec) {
  if (!spec.error_code.empty()) return spec.error_code;
  switch (spec.http_status) {
    case 400:
      return "InvalidRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "WriteQuotaExceed";
    case 404:
      return "LogStoreNotExist";
    case 413:
      return "PostBodyTooLarge";
    case 429:
      return "RequestThrottled";
    case 500:
      return "InternalServerError";
    case 502:
    case 503:
    case 504:
      return "ServerBusy";
    default:
      return spec.http_status >= 500 ? "InternalServerError" : "InvalidRequest";
  }
}

bool PathHasPrefix(std::string_view path, std::string_view prefix) {
  if (path.substr(0, prefix.size()) != prefix) return false;
  if (path.size() == prefix.size() || prefix.empty() || prefix.back() == '/') return true;
  char next = path[prefix.size()];
  return next == '/' || next == '?';
}

bool FaultTable::Matches(const FaultSpec& spec, FaultTarget target, std::string_view path) {
  if (spec.target != target) return false;
  if (spec.path.empty()) return true;
  return target == FaultTarget::kSls ? PathHasPrefix(path, spec.path) : path == spec.path;
}

uint64_t FaultTable::Add(FaultSpec spec) {
  std::lock_guard<std::mutex> lock(mu_);
  PendingFault fault;
  fault.id = next_id_++;
  fault.remaining = spec.count;
  fault.spec = std::move(spec);
  faults_.push_back(std::move(fault));
  return faults_.back().id;
}

std::optional<FaultSpec> FaultTable::Take(FaultTarget target, std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!Matches(it->spec, target, path)) continue;
    FaultSpec spec = it->spec;
    if (--it->remaining <= 0) faults_.erase(it);
    return spec;
  }
  return std::nullopt;
}

std::vector<PendingFault> FaultTable::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_;
}

void FaultTable::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

}  // namespace ptx::emulator
