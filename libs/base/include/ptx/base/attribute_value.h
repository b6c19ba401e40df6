// Attribute values of every OTLP AnyValue type that an SDK user can set, and key/value lists.
//
//   ptx::Attributes attrs{{"http.method", std::string("GET")}, {"retry", int64_t{2}}};
//   ptx::SetAttribute(attrs, "retry", int64_t{3});   // replaces in place
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ptx {

// Opaque bytes, distinct from a UTF-8 string on the wire (AnyValue.bytes_value).
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes& a, const Bytes& b) { return a.data == b.data; }
};

// Index order is part of the contract: encoders switch on it.
using AttributeValue = std::variant<bool, int64_t, double, std::string, Bytes,
                                    std::vector<bool>, std::vector<int64_t>, std::vector<double>,
                                    std::vector<std::string>, std::vector<Bytes>>;

using KeyValue = std::pair<std::string, AttributeValue>;
// Insertion-ordered; keys unique when built through SetAttribute.
using Attributes = std::vector<KeyValue>;

// Sets key to value, replacing an existing entry in place. Returns false (and does nothing)
// when the key is new and attrs already holds `limit` entries.
bool SetAttribute(Attributes& attrs, std::string_view key, AttributeValue value,
                  size_t limit = SIZE_MAX);

// Truncates string values (and strings inside lists) to at most `max_chars` UTF-8 characters.
void TruncateAttributeValue(AttributeValue& value, size_t max_chars);

// A stable, human-readable rendering: strings as is, bools true/false, doubles in shortest
// round-trip form, lists as JSON arrays, bytes as base64. Used by console output and SLS contents.
std::string AttributeValueToString(const AttributeValue& value);

}  // namespace ptx
