#include "ptx/context/trace_context.h"

#include <vector>

#include "ptx/base/hex.h"
#include "ptx/base/text.h"

namespace ptx {
namespace {

// Offsets inside "vv-<32 trace>-<16 parent>-ff".
constexpr size_t kTraceIdOffset = 3;
constexpr size_t kSpanIdOffset = 36;
constexpr size_t kFlagsOffset = 53;
constexpr size_t kTraceparentSize = 55;

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsLowerAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsKeyChar(char c) {
  return IsLowerAlpha(c) || IsDigit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

// `first` then up to max_size-1 key characters.
bool IsKeyPart(std::string_view part, size_t max_size, bool (*first)(char)) {
  if (part.empty() || part.size() > max_size || !first(part[0])) return false;
  for (char c : part.substr(1)) {
    if (!IsKeyChar(c)) return false;
  }
  return true;
}

bool IsAlnumLower(char c) { return IsLowerAlpha(c) || IsDigit(c); }

}  // namespace

std::optional<SpanContext> ParseTraceparent(std::string_view value) {
  value = TrimSpaces(value);
  if (value.size() < kTraceparentSize) return std::nullopt;
  std::string_view version = value.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00") {
    if (value.size() != kTraceparentSize) return std::nullopt;
  } else if (value.size() > kTraceparentSize && value[kTraceparentSize] != '-') {
    return std::nullopt;
  }
  if (value[kTraceIdOffset - 1] != '-' || value[kSpanIdOffset - 1] != '-' ||
      value[kFlagsOffset - 1] != '-') {
    return std::nullopt;
  }
  std::string_view trace_hex = value.substr(kTraceIdOffset, 32);
  std::string_view span_hex = value.substr(kSpanIdOffset, 16);
  std::string_view flags_hex = value.substr(kFlagsOffset, 2);
  if (!IsLowerHex(trace_hex) || !IsLowerHex(span_hex) || !IsLowerHex(flags_hex)) {
    return std::nullopt;
  }
  SpanContext context;
  uint8_t flags = 0;
  if (!HexDecode(trace_hex, context.trace_id.bytes.data(), context.trace_id.bytes.size()) ||
      !HexDecode(span_hex, context.span_id.bytes.data(), context.span_id.bytes.size()) ||
      !HexDecode(flags_hex, &flags, 1) || !context.valid()) {
    return std::nullopt;
  }
  context.trace_flags = flags;
  context.is_remote = true;
  return context;
}

std::string FormatTraceparent(const SpanContext& context) {
  if (!context.valid()) return {};
  std::string out;
  out.reserve(kTraceparentSize);
  out += "00-";
  out += context.trace_id.ToHex();
  out += '-';
  out += context.span_id.ToHex();
  out += '-';
  out += HexEncode(&context.trace_flags, 1);
  return out;
}

bool IsValidTracestateKey(std::string_view key) {
  size_t at = key.find('@');
  if (at == std::string_view::npos) return IsKeyPart(key, 256, IsAlnumLower);
  return IsKeyPart(key.substr(0, at), 241, IsAlnumLower) &&
         IsKeyPart(key.substr(at + 1), 14, IsLowerAlpha);
}

bool IsValidTracestateValue(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

std::optional<std::string> NormalizeTracestate(std::string_view value) {
  std::string out;
  std::vector<std::string_view> keys;
  size_t pos = 0;
  while (true) {
    size_t comma = value.find(',', pos);
    std::string_view member = TrimSpaces(value.substr(pos, comma - pos));
    if (!member.empty()) {
      if (keys.size() == kMaxTracestateMembers) return std::nullopt;
      size_t eq = member.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      std::string_view key = member.substr(0, eq);
      if (!IsValidTracestateKey(key) || !IsValidTracestateValue(member.substr(eq + 1))) {
        return std::nullopt;
      }
      for (std::string_view seen : keys) {
        if (seen == key) return std::nullopt;
      }
      keys.push_back(key);
      if (!out.empty()) out += ',';
      out.append(member);
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace ptx
