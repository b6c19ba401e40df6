#include "ptx/context/propagators.h"

#include <algorithm>

#include "ascii_case.h"
#include "ptx/base/text.h"
#include "ptx/context/b3.h"
#include "ptx/context/trace_context.h"

namespace ptx {
namespace {

constexpr PropagatorKind kAllKinds[] = {PropagatorKind::kTraceContext, PropagatorKind::kBaggage,
                                        PropagatorKind::kB3, PropagatorKind::kB3Multi};

// Both B3 propagators read both forms (OpenTelemetry spec); the single header takes precedence.
std::optional<SpanContext> ExtractB3(const HeaderGetter& get) {
  if (std::optional<std::string> single = get(kB3SingleHeader)) {
    if (std::optional<SpanContext> context = ParseB3Single(*single)) return context;
  }
  std::optional<std::string> trace_id = get(kB3TraceIdHeader);
  std::optional<std::string> span_id = get(kB3SpanIdHeader);
  if (!trace_id || !span_id) return std::nullopt;
  std::optional<std::string> sampled = get(kB3SampledHeader);
  std::optional<std::string> flags = get(kB3FlagsHeader);
  auto view = [](const std::optional<std::string>& s) -> std::optional<std::string_view> {
    if (!s) return std::nullopt;
    return std::string_view(*s);
  };
  return ParseB3Multi(view(trace_id), view(span_id), view(sampled), view(flags));
}

}  // namespace

std::string_view PropagatorName(PropagatorKind kind) {
  switch (kind) {
    case PropagatorKind::kTraceContext:
      return "tracecontext";
    case PropagatorKind::kBaggage:
      return "baggage";
    case PropagatorKind::kB3:
      return "b3";
    case PropagatorKind::kB3Multi:
      return "b3multi";
  }
  return "";
}

Propagators::Propagators(const std::vector<PropagatorKind>& kinds) {
  for (PropagatorKind kind : kinds) {
    if (std::find(kinds_.begin(), kinds_.end(), kind) == kinds_.end()) kinds_.push_back(kind);
  }
}

Propagators Propagators::Default() {
  return Propagators({PropagatorKind::kTraceContext, PropagatorKind::kBaggage});
}

std::vector<std::string_view> Propagators::Fields() const {
  std::vector<std::string_view> fields;
  for (PropagatorKind kind : kinds_) {
    switch (kind) {
      case PropagatorKind::kTraceContext:
        fields.insert(fields.end(), {kTraceparentHeader, kTracestateHeader});
        break;
      case PropagatorKind::kBaggage:
        fields.push_back(kBaggageHeader);
        break;
      case PropagatorKind::kB3:
        fields.push_back(kB3SingleHeader);
        break;
      case PropagatorKind::kB3Multi:
        fields.insert(fields.end(), {kB3TraceIdHeader, kB3SpanIdHeader, kB3SampledHeader});
        break;
    }
  }
  return fields;
}

std::string Propagators::ToString() const {
  if (kinds_.empty()) return "none";
  std::string out;
  for (PropagatorKind kind : kinds_) {
    if (!out.empty()) out += ',';
    out.append(PropagatorName(kind));
  }
  return out;
}

void Propagators::Inject(const SpanContext* context, const Baggage* baggage,
                         const HeaderSetter& set) const {
  bool has_context = context != nullptr && context->valid();
  for (PropagatorKind kind : kinds_) {
    switch (kind) {
      case PropagatorKind::kTraceContext:
        if (!has_context) break;
        set(kTraceparentHeader, FormatTraceparent(*context));
        if (!context->trace_state.empty()) set(kTracestateHeader, context->trace_state);
        break;
      case PropagatorKind::kBaggage:
        if (baggage != nullptr && !baggage->empty()) {
          std::string header = FormatBaggage(*baggage);
          if (!header.empty()) set(kBaggageHeader, header);
        }
        break;
      case PropagatorKind::kB3:
        if (has_context) set(kB3SingleHeader, FormatB3Single(*context));
        break;
      case PropagatorKind::kB3Multi:
        if (!has_context) break;
        set(kB3TraceIdHeader, context->trace_id.ToHex());
        set(kB3SpanIdHeader, context->span_id.ToHex());
        set(kB3SampledHeader, context->sampled() ? "1" : "0");
        break;
    }
  }
}

Headers Propagators::Inject(const SpanContext* context, const Baggage* baggage) const {
  Headers headers;
  Inject(context, baggage, [&headers](std::string_view key, std::string_view value) {
    headers.emplace_back(std::string(key), std::string(value));
  });
  return headers;
}

ExtractResult Propagators::Extract(const HeaderGetter& get) const {
  ExtractResult result;
  for (PropagatorKind kind : kinds_) {
    std::optional<SpanContext> found;
    switch (kind) {
      case PropagatorKind::kTraceContext:
        if (std::optional<std::string> traceparent = get(kTraceparentHeader)) {
          found = ParseTraceparent(*traceparent);
        }
        if (found) {
          if (std::optional<std::string> tracestate = get(kTracestateHeader)) {
            found->trace_state = NormalizeTracestate(*tracestate).value_or(std::string());
          }
        }
        break;
      case PropagatorKind::kBaggage:
        if (std::optional<std::string> header = get(kBaggageHeader)) {
          result.baggage = ParseBaggage(*header);
        }
        break;
      case PropagatorKind::kB3:
      case PropagatorKind::kB3Multi:
        found = ExtractB3(get);
        break;
    }
    if (found) result.context = std::move(found);
  }
  return result;
}

ExtractResult Propagators::Extract(const Headers& headers) const {
  return Extract([&headers](std::string_view lowercase_key) -> std::optional<std::string> {
    for (const auto& [name, value] : headers) {
      if (context_internal::EqualsLowercase(name, lowercase_key)) return value;
    }
    return std::nullopt;
  });
}

ParsedPropagators ParsePropagators(std::string_view value) {
  ParsedPropagators parsed;
  if (TrimSpaces(value).empty()) {
    parsed.propagators = Propagators::Default();
    return parsed;
  }
  std::vector<PropagatorKind> kinds;
  bool none = false;
  size_t pos = 0;
  while (true) {
    size_t comma = value.find(',', pos);
    std::string_view raw = TrimSpaces(value.substr(pos, comma - pos));
    std::string name = AsciiLower(raw);
    if (!name.empty()) {
      auto known = std::find_if(std::begin(kAllKinds), std::end(kAllKinds),
                                [&](PropagatorKind k) { return PropagatorName(k) == name; });
      if (known != std::end(kAllKinds)) {
        kinds.push_back(*known);
      } else if (name == "none") {
        none = true;
      } else if (name == "jaeger" || name == "xray" || name == "ottrace") {
        parsed.warnings.push_back("propagator '" + std::string(raw) + "' is not supported");
      } else {
        parsed.warnings.push_back("unknown propagator '" + std::string(raw) + "'");
      }
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (none) {
    if (!kinds.empty()) {
      parsed.warnings.push_back("propagator 'none' given with others; using none");
    }
    return parsed;
  }
  parsed.propagators = Propagators(kinds);
  return parsed;
}

}  // namespace ptx
