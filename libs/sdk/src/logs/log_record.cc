#include "ptx/sdk/logs/log_record.h"

#include <cerrno>
#include <cstdlib>
#include <utility>

namespace ptx {
namespace {

constexpr const char* kSeverityNames[] = {
    "",       "TRACE", "TRACE2", "TRACE3", "TRACE4", "DEBUG", "DEBUG2", "DEBUG3", "DEBUG4",
    "INFO",   "INFO2", "INFO3",  "INFO4",  "WARN",   "WARN2", "WARN3",  "WARN4",  "ERROR",
    "ERROR2", "ERROR3", "ERROR4", "FATAL", "FATAL2", "FATAL3", "FATAL4"};

// A non-negative decimal integer (spaces around allowed), or nothing. Same rules as the span
// limit variables.
bool ReadLimit(const char* name, size_t* out) {
  const char* v = std::getenv(name);
  if (v == nullptr) return false;
  while (*v == ' ' || *v == '\t') ++v;
  if (*v < '0' || *v > '9') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  while (*end == ' ' || *end == '\t') ++end;
  if (errno != 0 || *end != '\0') return false;
  *out = static_cast<size_t>(n);
  return true;
}

}  // namespace

const char* SeverityName(uint8_t n) { return n <= kSeverityMax ? kSeverityNames[n] : ""; }

const char* SeverityRangeName(uint8_t n) {
  if (n == 0 || n > kSeverityMax) return "";
  return kSeverityNames[((n - 1) / 4) * 4 + 1];
}

LogLimits LogLimitsFromEnv(LogLimits limits) {
  size_t n = 0;
  if (ReadLimit("OTEL_ATTRIBUTE_COUNT_LIMIT", &n)) limits.max_attributes = n;
  if (ReadLimit("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", &n)) limits.max_attribute_value_length = n;
  if (ReadLimit("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", &n)) limits.max_attributes = n;
  if (ReadLimit("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", &n)) {
    limits.max_attribute_value_length = n;
  }
  return limits;
}

void ApplyLogLimits(LogRecordData& record, const LogLimits& limits) {
  const size_t max_length = limits.max_attribute_value_length;
  if (max_length != SIZE_MAX && record.body) TruncateAttributeValue(*record.body, max_length);
  // Fast path: the usual record is already within limits.
  if (record.attributes.size() <= limits.max_attributes && max_length == SIZE_MAX) {
    bool clean = true;
    for (size_t i = 0; i < record.attributes.size() && clean; ++i) {
      if (record.attributes[i].first.empty()) clean = false;
      for (size_t j = 0; j < i && clean; ++j) {
        if (record.attributes[j].first == record.attributes[i].first) clean = false;
      }
      if (record.attributes.size() > 16) break;  // quadratic check only for small lists
    }
    if (clean && record.attributes.size() <= 16) return;
  }
  Attributes in = std::move(record.attributes);
  record.attributes.clear();
  record.attributes.reserve(std::min(in.size(), limits.max_attributes));
  for (auto& [key, value] : in) {
    if (key.empty()) continue;
    if (max_length != SIZE_MAX) TruncateAttributeValue(value, max_length);
    if (!SetAttribute(record.attributes, key, std::move(value), limits.max_attributes)) {
      ++record.dropped_attributes_count;
    }
  }
}

}  // namespace ptx
