// Trace and span identifiers and the immutable span context that propagation carries.
//
//   auto id = ptx::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
//   if (id && id->valid()) use(id->ToHex());
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace ptx {

// 16 bytes; all zero means invalid. Value type, thread-compatible.
struct TraceId {
  std::array<uint8_t, 16> bytes{};

  bool valid() const;
  std::string ToHex() const;
  // Exactly 32 hex digits (either case); nullopt otherwise. All-zero parses but is not valid().
  static std::optional<TraceId> FromHex(std::string_view hex);
  // The last 8 bytes read as a big-endian unsigned integer (what TraceIdRatioBased compares).
  uint64_t Low64() const;

  friend bool operator==(const TraceId& a, const TraceId& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const TraceId& a, const TraceId& b) { return !(a == b); }
};

// 8 bytes; all zero means invalid (and "no parent" in a span record).
struct SpanId {
  std::array<uint8_t, 8> bytes{};

  bool valid() const;
  std::string ToHex() const;
  static std::optional<SpanId> FromHex(std::string_view hex);

  friend bool operator==(const SpanId& a, const SpanId& b) { return a.bytes == b.bytes; }
  friend bool operator!=(const SpanId& a, const SpanId& b) { return !(a == b); }
};

inline constexpr uint8_t kTraceFlagSampled = 0x01;

// What crosses process boundaries: ids, W3C flags, the validated tracestate header value.
struct SpanContext {
  TraceId trace_id;
  SpanId span_id;
  uint8_t trace_flags = 0;
  std::string trace_state;  // W3C tracestate, already validated; empty when absent
  bool is_remote = false;

  bool valid() const { return trace_id.valid() && span_id.valid(); }
  bool sampled() const { return (trace_flags & kTraceFlagSampled) != 0; }
};

}  // namespace ptx
