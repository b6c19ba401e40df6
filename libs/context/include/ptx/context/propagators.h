// Carrier-agnostic injection and extraction of the span context and baggage, composed from the
// OTEL_PROPAGATORS list (tracecontext, baggage, b3, b3multi, none).
//
//   ptx::ParsedPropagators parsed = ptx::ParsePropagators("tracecontext,baggage,b3");
//   ptx::ExtractResult in = parsed.propagators.Extract(ptx::Headers{{"TraceParent", value}});
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ptx/context/baggage.h"
#include "ptx/context/span_context.h"

namespace ptx {

enum class PropagatorKind { kTraceContext, kBaggage, kB3, kB3Multi };

// The OTEL_PROPAGATORS name: "tracecontext", "baggage", "b3", "b3multi".
std::string_view PropagatorName(PropagatorKind kind);

// Receives a header name in lowercase (callers match names case-insensitively) and returns
// its value, nullopt when absent.
using HeaderGetter = std::function<std::optional<std::string>(std::string_view lowercase_key)>;
// Receives a lowercase header name and its value.
using HeaderSetter = std::function<void(std::string_view key, std::string_view value)>;
// A carrier copied into a list, e.g. from a Python dict; names in any case.
using Headers = std::vector<std::pair<std::string, std::string>>;

struct ExtractResult {
  std::optional<SpanContext> context;  // valid and is_remote when present
  Baggage baggage;
};

// An ordered list of propagators. Immutable after construction: Inject and Extract are safe
// to call from any number of threads at once.
class Propagators {
 public:
  // No propagators ("none"): Inject writes nothing, Extract finds nothing.
  Propagators() = default;
  // Duplicates are ignored, the first position counts.
  explicit Propagators(const std::vector<PropagatorKind>& kinds);
  // tracecontext,baggage: the OpenTelemetry default.
  static Propagators Default();

  const std::vector<PropagatorKind>& kinds() const { return kinds_; }
  bool empty() const { return kinds_.empty(); }
  // The lowercase header names Inject may write, in order.
  std::vector<std::string_view> Fields() const;
  // "tracecontext,baggage", or "none" when empty.
  std::string ToString() const;

  // Writes the headers of every propagator in order. The span context is written only when
  // non-null and valid, the baggage only when non-null and something remains after the limits.
  void Inject(const SpanContext* context, const Baggage* baggage, const HeaderSetter& set) const;
  Headers Inject(const SpanContext* context, const Baggage* baggage) const;

  // Runs every propagator in order; a later one that finds a context replaces an earlier
  // one's. tracestate is read only with a valid traceparent and dropped entirely when invalid.
  // b3 and b3multi both read the single header first and the X-B3-* headers when it yields
  // nothing. Invalid headers are ignored, never an error.
  ExtractResult Extract(const HeaderGetter& get) const;
  // The first header whose name matches case-insensitively wins.
  ExtractResult Extract(const Headers& headers) const;

 private:
  std::vector<PropagatorKind> kinds_;
};

struct ParsedPropagators {
  Propagators propagators;
  // One message per name that was not used, e.g. "unknown propagator 'foo'"; never fatal.
  std::vector<std::string> warnings;
};

// Parses an OTEL_PROPAGATORS value: comma-separated, case-insensitive, spaces ignored. Empty
// (unset) gives the default; "none" gives no propagators and wins over other names (with a
// warning); unknown or unsupported names are skipped with a warning.
ParsedPropagators ParsePropagators(std::string_view value);

}  // namespace ptx
