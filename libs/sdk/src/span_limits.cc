#include "ptx/sdk/span_limits.h"

#include <cerrno>
#include <cstdlib>

namespace ptx {
namespace {

// A non-negative decimal integer, or nothing.
bool ReadLimit(const char* name, size_t* out) {
  const char* v = std::getenv(name);
  if (v == nullptr) return false;
  while (*v == ' ' || *v == '\t') ++v;
  if (*v < '0' || *v > '9') return false;  // rejects "", "-1", "+3", "abc"
  errno = 0;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  while (*end == ' ' || *end == '\t') ++end;
  if (errno != 0 || *end != '\0') return false;
  *out = static_cast<size_t>(n);
  return true;
}

}  // namespace

SpanLimits SpanLimitsFromEnv(SpanLimits limits) {
  size_t n = 0;
  if (ReadLimit("OTEL_ATTRIBUTE_COUNT_LIMIT", &n)) {
    limits.max_attributes = n;
    limits.max_attributes_per_event = n;
    limits.max_attributes_per_link = n;
  }
  if (ReadLimit("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", &n)) limits.max_attribute_value_length = n;
  if (ReadLimit("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", &n)) limits.max_attributes = n;
  if (ReadLimit("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", &n)) limits.max_attribute_value_length = n;
  if (ReadLimit("OTEL_SPAN_EVENT_COUNT_LIMIT", &n)) limits.max_events = n;
  if (ReadLimit("OTEL_SPAN_LINK_COUNT_LIMIT", &n)) limits.max_links = n;
  if (ReadLimit("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", &n)) limits.max_attributes_per_event = n;
  if (ReadLimit("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", &n)) limits.max_attributes_per_link = n;
  return limits;
}

}  // namespace ptx
