#include "ptx/context/span_context.h"

#include "ptx/base/hex.h"

namespace ptx {
namespace {

template <size_t N>
bool AnyNonZero(const std::array<uint8_t, N>& bytes) {
  for (uint8_t b : bytes) {
    if (b != 0) return true;
  }
  return false;
}

}  // namespace

bool TraceId::valid() const { return AnyNonZero(bytes); }

std::string TraceId::ToHex() const { return HexEncode(bytes.data(), bytes.size()); }

std::optional<TraceId> TraceId::FromHex(std::string_view hex) {
  TraceId id;
  if (!HexDecode(hex, id.bytes.data(), id.bytes.size())) return std::nullopt;
  return id;
}

uint64_t TraceId::Low64() const {
  uint64_t value = 0;
  for (size_t i = 8; i < 16; ++i) value = (value << 8) | bytes[i];
  return value;
}

bool SpanId::valid() const { return AnyNonZero(bytes); }

std::string SpanId::ToHex() const { return HexEncode(bytes.data(), bytes.size()); }

std::optional<SpanId> SpanId::FromHex(std::string_view hex) {
  SpanId id;
  if (!HexDecode(hex, id.bytes.data(), id.bytes.size())) return std::nullopt;
  return id;
}

}  // namespace ptx
