// W3C Trace Context: the `traceparent` and `tracestate` header values.
//
//   std::optional<ptx::SpanContext> parent = ptx::ParseTraceparent(header_value);
//   std::string out = ptx::FormatTraceparent(*parent);  // "00-<trace>-<span>-<flags>"
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ptx/context/span_context.h"

namespace ptx {

inline constexpr std::string_view kTraceparentHeader = "traceparent";
inline constexpr std::string_view kTracestateHeader = "tracestate";
inline constexpr size_t kMaxTracestateMembers = 32;

// Parses a traceparent value. Leading and trailing spaces/tabs are ignored; hex must be
// lowercase; version ff, all-zero ids and wrong lengths are rejected; version 00 must be
// exactly 55 characters, a higher version may continue with "-..." after the flags (ignored).
// The result has is_remote = true and an empty trace_state; nullopt when invalid.
std::optional<SpanContext> ParseTraceparent(std::string_view value);

// Version 00 with the context's ids and flags byte. Empty when !context.valid().
std::string FormatTraceparent(const SpanContext& context);

// Validates a tracestate value and returns it normalised: whitespace around members and empty
// members removed, order kept. nullopt when any member is invalid, a key repeats or there are
// more than 32 members: the caller then drops the whole tracestate. "" for an empty header.
std::optional<std::string> NormalizeTracestate(std::string_view value);

// `[a-z0-9][a-z0-9_\-*/]{0,255}` or `tenant@system` (tenant up to 241, system up to 14 chars,
// system starting with a letter).
bool IsValidTracestateKey(std::string_view key);
// 1 to 256 printable ASCII characters other than ',' and '=', not ending in a space.
bool IsValidTracestateValue(std::string_view value);

}  // namespace ptx
