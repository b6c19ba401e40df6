#include "attribute_set.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string_view>
#include <type_traits>
#include <variant>

namespace ptx::metrics_internal {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t Combine(uint64_t seed, uint64_t h) { return Mix(seed ^ (h + 0x9e3779b97f4a7c15ULL)); }

uint64_t HashString(std::string_view s) { return std::hash<std::string_view>{}(s); }

uint64_t HashDouble(double d) {
  if (d == 0) d = 0;                                   // -0.0 and 0.0 are one key
  if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // one NaN
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return Mix(bits);
}

uint64_t HashScalar(bool v) { return v ? 0x51 : 0x50; }
uint64_t HashScalar(int64_t v) { return Mix(static_cast<uint64_t>(v)); }
uint64_t HashScalar(double v) { return HashDouble(v); }
uint64_t HashScalar(const std::string& v) { return HashString(v); }
uint64_t HashScalar(const Bytes& v) { return HashString(v.data); }

uint64_t HashValue(const AttributeValue& value) {
  uint64_t h = std::visit(
      [](const auto& v) -> uint64_t {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<bool>> ||
                      std::is_same_v<V, std::vector<int64_t>> ||
                      std::is_same_v<V, std::vector<double>> ||
                      std::is_same_v<V, std::vector<std::string>> ||
                      std::is_same_v<V, std::vector<Bytes>>) {
          uint64_t seed = v.size();
          for (const auto& e : v) seed = Combine(seed, HashScalar(static_cast<typename V::value_type>(e)));
          return seed;
        } else {
          return HashScalar(v);
        }
      },
      value);
  return Combine(value.index(), h);
}

bool SameDouble(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

bool KeyLess(const KeyValue& a, const KeyValue& b) { return a.first < b.first; }

}  // namespace

bool SameValue(const AttributeValue& a, const AttributeValue& b) {
  if (a.index() != b.index()) return false;
  if (const double* da = std::get_if<double>(&a)) return SameDouble(*da, std::get<double>(b));
  if (const auto* va = std::get_if<std::vector<double>>(&a)) {
    const auto& vb = std::get<std::vector<double>>(b);
    return va->size() == vb.size() && std::equal(va->begin(), va->end(), vb.begin(), SameDouble);
  }
  return a == b;
}

uint64_t HashAttributes(const Attributes& attributes) {
  // A commutative sum of per-pair hashes: permutations hash alike without sorting.
  uint64_t sum = 0;
  for (const auto& [key, value] : attributes) {
    sum += Mix(HashString(key) * 31 + HashValue(value));
  }
  return Mix(sum + attributes.size());
}

Attributes Canonicalize(const Attributes& attributes) {
  Attributes out(attributes);
  std::stable_sort(out.begin(), out.end(), KeyLess);
  // Keep the last of each run of equal keys.
  Attributes unique;
  unique.reserve(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (i + 1 < out.size() && out[i + 1].first == out[i].first) continue;
    unique.push_back(std::move(out[i]));
  }
  return unique;
}

bool SameAttributes(const Attributes& canonical, const Attributes& query) {
  if (canonical.size() != query.size()) return false;
  for (const auto& kv : query) {
    auto it = std::lower_bound(canonical.begin(), canonical.end(), kv, KeyLess);
    if (it == canonical.end() || it->first != kv.first || !SameValue(it->second, kv.second)) {
      return false;
    }
  }
  return true;
}

}  // namespace ptx::metrics_internal
