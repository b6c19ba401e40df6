#include "ptx/context/baggage.h"

#include <optional>
#include <utility>

#include "ptx/base/text.h"

namespace ptx {
namespace {

// RFC 7230 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// W3C baggage-octet: printable ASCII except space, '"', ',', ';' and '\'.
bool IsBaggageOctet(char c) {
  return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

bool AllBaggageOctets(std::string_view text) {
  for (char c : text) {
    if (!IsBaggageOctet(c)) return false;
  }
  return true;
}

// '%' is a baggage octet but must be escaped for the value to decode back to itself.
bool NeedsEscape(char c) { return !IsBaggageOctet(c) || c == '%'; }

size_t EncodedSize(std::string_view value) {
  size_t size = value.size();
  for (char c : value) {
    if (NeedsEscape(c)) size += 2;
  }
  return size;
}

void AppendEncoded(std::string_view value, std::string& out) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : value) {
    if (NeedsEscape(c)) {
      auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    } else {
      out += c;
    }
  }
}

// Size of `key=value[;metadata]` once encoded.
size_t MemberSize(std::string_view key, std::string_view value, std::string_view metadata) {
  return key.size() + 1 + EncodedSize(value) + (metadata.empty() ? 0 : 1 + metadata.size());
}
size_t MemberSize(const BaggageEntry& entry) {
  return MemberSize(entry.key, entry.value, entry.metadata);
}

// Length of the well-formed UTF-8 sequence at text[i], 0 when ill-formed (RFC 3629 table).
size_t Utf8SequenceSize(std::string_view text, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = at(i);
  size_t size;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    size = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    size = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    size = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // at most U+10FFFF
  } else {
    return 0;
  }
  if (i + size > text.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < size; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  }
  return size;
}

// W3C: decoded octets that are not UTF-8 become U+FFFD.
std::string ReplaceInvalidUtf8(std::string text) {
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t size = Utf8SequenceSize(text, i);
    if (size == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text, i, size);
      i += size;
    }
  }
  return out;
}

// `key[=value]` properties separated by ';', normalised without whitespace; empty properties
// are skipped. nullopt when one is invalid.
std::optional<std::string> NormalizeMetadata(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t semi = text.find(';', pos);
    std::string_view property = TrimSpaces(text.substr(pos, semi - pos));
    if (!property.empty()) {
      size_t eq = property.find('=');
      std::string_view key = TrimSpaces(property.substr(0, eq));
      if (!IsToken(key)) return std::nullopt;
      if (!out.empty()) out += ';';
      out.append(key);
      if (eq != std::string_view::npos) {
        std::string_view value = TrimSpaces(property.substr(eq + 1));
        if (!AllBaggageOctets(value)) return std::nullopt;
        out += '=';
        out.append(value);
      }
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return out;
}

std::optional<BaggageEntry> ParseMember(std::string_view member) {
  size_t semi = member.find(';');
  std::string_view pair = member.substr(0, semi);
  size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  std::string_view key = TrimSpaces(pair.substr(0, eq));
  std::string_view raw_value = TrimSpaces(pair.substr(eq + 1));
  if (!IsToken(key) || !AllBaggageOctets(raw_value)) return std::nullopt;
  BaggageEntry entry;
  if (semi != std::string_view::npos) {
    std::optional<std::string> metadata = NormalizeMetadata(member.substr(semi + 1));
    if (!metadata) return std::nullopt;
    entry.metadata = std::move(*metadata);
  }
  entry.key = std::string(key);
  entry.value = ReplaceInvalidUtf8(PercentDecode(raw_value));
  return entry;
}

}  // namespace

const BaggageEntry* Baggage::Find(std::string_view key) const {
  for (const BaggageEntry& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

void Baggage::Set(std::string key, std::string value, std::string metadata) {
  for (BaggageEntry& entry : entries) {
    if (entry.key == key) {
      entry.value = std::move(value);
      entry.metadata = std::move(metadata);
      return;
    }
  }
  entries.push_back({std::move(key), std::move(value), std::move(metadata)});
}

Baggage ParseBaggage(std::string_view header) {
  Baggage baggage;
  size_t total = 0;  // size of the header FormatBaggage would write
  size_t pos = 0;
  while (true) {
    size_t comma = header.find(',', pos);
    std::string_view member = TrimSpaces(header.substr(pos, comma - pos));
    std::optional<BaggageEntry> entry;
    if (!member.empty()) entry = ParseMember(member);
    if (entry) {
      size_t size = MemberSize(*entry);
      BaggageEntry* existing = nullptr;
      for (BaggageEntry& e : baggage.entries) {
        if (e.key == entry->key) {
          existing = &e;
          break;
        }
      }
      if (existing != nullptr) {
        size_t replaced = total - MemberSize(*existing) + size;
        if (replaced <= kMaxBaggageBytes) {
          *existing = std::move(*entry);
          total = replaced;
        }
      } else {
        size_t added = total + size + (baggage.entries.empty() ? 0 : 1);
        if (baggage.entries.size() < kMaxBaggageMembers && added <= kMaxBaggageBytes) {
          baggage.entries.push_back(std::move(*entry));
          total = added;
        }
      }
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return baggage;
}

std::string FormatBaggage(const Baggage& baggage) {
  std::string out;
  size_t members = 0;
  for (const BaggageEntry& entry : baggage.entries) {
    if (members == kMaxBaggageMembers) break;
    if (!IsToken(entry.key)) continue;
    std::optional<std::string> normalized = NormalizeMetadata(entry.metadata);
    std::string_view metadata = normalized ? std::string_view(*normalized) : std::string_view();
    size_t size = MemberSize(entry.key, entry.value, metadata) + (out.empty() ? 0 : 1);
    if (out.size() + size > kMaxBaggageBytes) continue;
    if (!out.empty()) out += ',';
    out += entry.key;
    out += '=';
    AppendEncoded(entry.value, out);
    if (!metadata.empty()) {
      out += ';';
      out.append(metadata);
    }
    ++members;
  }
  return out;
}

}  // namespace ptx
