#include "ptx/base/attribute_value.h"

#include <cmath>
#include <cstdio>

#include "ptx/base/hex.h"
#include "ptx/base/text.h"

namespace ptx {
namespace {

// Byte length of the first max_chars UTF-8 characters of s.
size_t Utf8Prefix(const std::string& s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return i;
      ++chars;
    }
  }
  return s.size();
}

std::string DoubleToString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  // Shortest representation that round-trips.
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

template <typename T, typename F>
std::string JoinList(const std::vector<T>& items, F render) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    render(out, items[i]);
  }
  out += ']';
  return out;
}

}  // namespace

bool SetAttribute(Attributes& attrs, std::string_view key, AttributeValue value, size_t limit) {
  for (auto& kv : attrs) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return true;
    }
  }
  if (attrs.size() >= limit) return false;
  attrs.emplace_back(std::string(key), std::move(value));
  return true;
}

void TruncateAttributeValue(AttributeValue& value, size_t max_chars) {
  if (auto* s = std::get_if<std::string>(&value)) {
    s->resize(Utf8Prefix(*s, max_chars));
  } else if (auto* list = std::get_if<std::vector<std::string>>(&value)) {
    for (auto& item : *list) item.resize(Utf8Prefix(item, max_chars));
  }
}

std::string AttributeValueToString(const AttributeValue& value) {
  switch (value.index()) {
    case 0: return std::get<bool>(value) ? "true" : "false";
    case 1: return std::to_string(std::get<int64_t>(value));
    case 2: return DoubleToString(std::get<double>(value));
    case 3: return std::get<std::string>(value);
    case 4: return Base64Encode(std::get<Bytes>(value).data);
    case 5:
      return JoinList(std::get<std::vector<bool>>(value),
                      [](std::string& out, bool b) { out += b ? "true" : "false"; });
    case 6:
      return JoinList(std::get<std::vector<int64_t>>(value),
                      [](std::string& out, int64_t i) { out += std::to_string(i); });
    case 7:
      return JoinList(std::get<std::vector<double>>(value), [](std::string& out, double d) {
        if (std::isfinite(d)) {
          out += DoubleToString(d);
        } else {
          AppendJsonString(out, DoubleToString(d));
        }
      });
    case 8:
      return JoinList(std::get<std::vector<std::string>>(value),
                      [](std::string& out, const std::string& s) { AppendJsonString(out, s); });
    case 9:
      return JoinList(std::get<std::vector<Bytes>>(value), [](std::string& out, const Bytes& b) {
        AppendJsonString(out, Base64Encode(b.data));
      });
  }
  return {};
}

}  // namespace ptx
