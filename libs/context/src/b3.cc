#include "ptx/context/b3.h"

#include "ptx/base/hex.h"
#include "ascii_case.h"
#include "ptx/base/text.h"

namespace ptx {
namespace {

// 32 hex digits, or 16 taken as the low half of a 128-bit id.
bool ParseTraceId(std::string_view hex, TraceId* out) {
  *out = TraceId();
  bool ok = false;
  if (hex.size() == 32) ok = HexDecode(hex, out->bytes.data(), 16);
  if (hex.size() == 16) ok = HexDecode(hex, out->bytes.data() + 8, 8);
  return ok && out->valid();
}

bool ParseSpanId(std::string_view hex, SpanId* out) {
  return HexDecode(hex, out->bytes.data(), out->bytes.size()) && out->valid();
}

}  // namespace

std::optional<SpanContext> ParseB3Single(std::string_view value) {
  value = TrimSpaces(value);
  std::string_view fields[4];
  size_t count = 0;
  size_t pos = 0;
  while (true) {
    if (count == 4) return std::nullopt;
    size_t dash = value.find('-', pos);
    fields[count++] = value.substr(pos, dash - pos);
    if (dash == std::string_view::npos) break;
    pos = dash + 1;
  }
  if (count < 2) return std::nullopt;  // a lone sampling state, or nothing

  SpanContext context;
  if (!ParseTraceId(fields[0], &context.trace_id) || !ParseSpanId(fields[1], &context.span_id)) {
    return std::nullopt;
  }
  if (count >= 3) {
    std::string_view sampling = fields[2];
    if (sampling == "1" || sampling == "d") {
      context.trace_flags = kTraceFlagSampled;
    } else if (sampling != "0") {
      return std::nullopt;
    }
  }
  if (count == 4) {
    uint8_t parent[8];
    if (!HexDecode(fields[3], parent, sizeof(parent))) return std::nullopt;
  }
  context.is_remote = true;
  return context;
}

std::optional<SpanContext> ParseB3Multi(std::optional<std::string_view> trace_id,
                                        std::optional<std::string_view> span_id,
                                        std::optional<std::string_view> sampled,
                                        std::optional<std::string_view> flags) {
  if (!trace_id || !span_id) return std::nullopt;
  SpanContext context;
  if (!ParseTraceId(TrimSpaces(*trace_id), &context.trace_id) ||
      !ParseSpanId(TrimSpaces(*span_id), &context.span_id)) {
    return std::nullopt;
  }
  bool debug = flags && TrimSpaces(*flags) == "1";
  bool is_sampled = false;
  if (sampled) {
    std::string_view s = TrimSpaces(*sampled);
    // "true" is the legacy spelling that the B3 README asks receivers to tolerate.
    is_sampled = s == "1" || context_internal::EqualsLowercase(s, "true");
  }
  if (debug || is_sampled) context.trace_flags = kTraceFlagSampled;
  context.is_remote = true;
  return context;
}

std::string FormatB3Single(const SpanContext& context) {
  if (!context.valid()) return {};
  std::string out = context.trace_id.ToHex();
  out += '-';
  out += context.span_id.ToHex();
  out += context.sampled() ? "-1" : "-0";
  return out;
}

}  // namespace ptx
