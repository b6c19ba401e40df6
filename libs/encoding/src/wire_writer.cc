#include "wire_writer.h"

namespace ptx::encoding::internal {
namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 when it is invalid (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF).
size_t ValidSequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  const size_t left = text.size() - i;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return left >= 2 && (byte(i + 1) & 0xc0) == 0x80 ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (left < 3) return 0;
    const unsigned char b1 = byte(i + 1);
    if ((b1 & 0xc0) != 0x80 || (byte(i + 2) & 0xc0) != 0x80) return 0;
    if (b0 == 0xe0 && b1 < 0xa0) return 0;  // overlong
    if (b0 == 0xed && b1 > 0x9f) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (left < 4) return 0;
    const unsigned char b1 = byte(i + 1);
    if ((b1 & 0xc0) != 0x80 || (byte(i + 2) & 0xc0) != 0x80 || (byte(i + 3) & 0xc0) != 0x80) {
      return 0;
    }
    if (b0 == 0xf0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xf4 && b1 > 0x8f) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// Index of the first byte that is not ASCII (text.size() when there is none); telemetry
// strings are nearly always ASCII, so eight bytes are tested at a time.
size_t AsciiPrefix(std::string_view text) {
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof word);
    if (word & 0x8080808080808080ull) break;
  }
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  return i;
}

constexpr char kReplacement[] = "\xef\xbf\xbd";  // U+FFFD

}  // namespace

size_t Utf8SanitizedSizeSlow(std::string_view text) {
  size_t i = AsciiPrefix(text);
  size_t size = i;
  while (i < text.size()) {
    const size_t n = ValidSequenceLength(text, i);
    if (n == 0) {
      size += 3;
      ++i;
    } else {
      size += n;
      i += n;
    }
  }
  return size;
}

char* WriteUtf8Sanitized(std::string_view text, char* out) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = ValidSequenceLength(text, i);
    if (n == 0) {
      std::memcpy(out, kReplacement, 3);
      out += 3;
      ++i;
    } else {
      std::memcpy(out, text.data() + i, n);
      out += n;
      i += n;
    }
  }
  return out;
}

}  // namespace ptx::encoding::internal
