// W3C Baggage: application-defined name/value pairs that travel with a request, and the
// `baggage` header that carries them (values percent-encoded, properties kept as metadata).
//
//   ptx::Baggage baggage = ptx::ParseBaggage("user=alice%20b;secret,tier=gold");
//   std::string header = ptx::FormatBaggage(baggage);  // "user=alice%20b;secret,tier=gold"
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ptx {

inline constexpr std::string_view kBaggageHeader = "baggage";
// The W3C minimums every platform must propagate; we propagate exactly these, dropping whole
// members (never truncating one) beyond them.
inline constexpr size_t kMaxBaggageMembers = 64;
inline constexpr size_t kMaxBaggageBytes = 8192;

struct BaggageEntry {
  std::string key;       // an HTTP token, not encoded
  std::string value;     // decoded UTF-8 (invalid sequences replaced by U+FFFD)
  std::string metadata;  // properties without the leading ';', e.g. "p1;p2=v" (raw, not decoded)

  friend bool operator==(const BaggageEntry& a, const BaggageEntry& b) {
    return a.key == b.key && a.value == b.value && a.metadata == b.metadata;
  }
  friend bool operator!=(const BaggageEntry& a, const BaggageEntry& b) { return !(a == b); }
};

// An ordered list of entries with unique keys when built through Set. Value type,
// thread-compatible.
struct Baggage {
  std::vector<BaggageEntry> entries;

  bool empty() const { return entries.empty(); }
  // nullptr when absent.
  const BaggageEntry* Find(std::string_view key) const;
  // Replaces the value and metadata of an existing key in place, otherwise appends.
  void Set(std::string key, std::string value, std::string metadata = {});
};

// Parses a baggage header. Invalid members (key not a token, value or property with a character
// outside the baggage octets) are skipped; a repeated key replaces the earlier value in place.
// Members that would exceed kMaxBaggageMembers or kMaxBaggageBytes (measured re-encoded) are
// dropped. Malformed %-escapes are kept literally.
Baggage ParseBaggage(std::string_view header);

// Encodes entries as `key=value[;metadata]` joined by ','. Values are percent-encoded (every
// byte outside the baggage octets, and '%'); entries with an invalid key are skipped, invalid
// metadata is left out; the same limits as ParseBaggage apply. Empty when nothing remains.
std::string FormatBaggage(const Baggage& baggage);

}  // namespace ptx
