// Zipkin B3 propagation: the single `b3` header and the X-B3-* multi-header form.
//
//   std::optional<ptx::SpanContext> parent = ptx::ParseB3Single("80f198ee56343ba8-e457b5a2e4d86bd1-1");
//   std::string b3 = ptx::FormatB3Single(*parent);  // 32-hex trace id, "-1" when sampled
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ptx/context/span_context.h"

namespace ptx {

// Header names in lowercase: HTTP names are case-insensitive and HTTP/2 and gRPC metadata
// require lowercase, so this is the one spelling valid everywhere.
inline constexpr std::string_view kB3SingleHeader = "b3";
inline constexpr std::string_view kB3TraceIdHeader = "x-b3-traceid";
inline constexpr std::string_view kB3SpanIdHeader = "x-b3-spanid";
inline constexpr std::string_view kB3ParentSpanIdHeader = "x-b3-parentspanid";
inline constexpr std::string_view kB3SampledHeader = "x-b3-sampled";
inline constexpr std::string_view kB3FlagsHeader = "x-b3-flags";

// `{traceid}-{spanid}[-{1|0|d}[-{parentspanid}]]`. The trace id has 16 or 32 hex digits (16 is
// left-padded with zeros), span and parent ids 16; hex in either case; all-zero ids invalid.
// "d" (debug) counts as sampled; an absent sampling state (deferred) as not sampled.
// nullopt when invalid and also for a lone sampling state such as the deny value "0": it
// carries no ids to continue. The result has is_remote = true.
std::optional<SpanContext> ParseB3Single(std::string_view value);

// The X-B3-* header values, nullopt when absent. Trace and span ids as in ParseB3Single;
// sampled is "1"/"true" or "0"/"false"; flags "1" (debug) implies sampled.
std::optional<SpanContext> ParseB3Multi(std::optional<std::string_view> trace_id,
                                        std::optional<std::string_view> span_id,
                                        std::optional<std::string_view> sampled,
                                        std::optional<std::string_view> flags);

// `{32 hex trace id}-{16 hex span id}-{1|0}`. Empty when !context.valid().
std::string FormatB3Single(const SpanContext& context);

}  // namespace ptx
