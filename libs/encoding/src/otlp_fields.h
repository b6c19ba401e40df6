// Internal: the OTLP messages every signal shares (AnyValue, KeyValue, Resource,
// InstrumentationScope), written through a wire_writer.h pass, plus the grouping of records by
// scope. Field numbers are those of opentelemetry/proto/common/v1/common.proto and
// resource/v1/resource.proto; fields go out in field-number order, as protoc's serializers
// write them, so the bytes equal the generated encoding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ptx/base/attribute_value.h"
#include "ptx/sdk/resource.h"
#include "ptx/sdk/span_data.h"
#include "wire_writer.h"

namespace ptx::encoding::internal {

template <size_t N>
bool AllZero(const std::array<uint8_t, N>& bytes) {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

template <size_t N>
std::string_view IdBytes(const std::array<uint8_t, N>& bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), N);
}

// AnyValue members (a oneof: written even when zero or empty).
template <typename Pass>
void PutScalar(Pass& p, bool v) { p.Varint(2, v ? 1 : 0); }
template <typename Pass>
void PutScalar(Pass& p, int64_t v) { p.Varint(3, static_cast<uint64_t>(v)); }
template <typename Pass>
void PutScalar(Pass& p, double v) { p.Double(4, v); }
template <typename Pass>
void PutScalar(Pass& p, const std::string& v) { p.Utf8(1, v); }
template <typename Pass>
void PutScalar(Pass& p, const Bytes& v) { p.Bytes(7, v.data); }

// The fields of one AnyValue (the caller opened the message).
template <typename Pass>
void PutAnyValue(Pass& p, const AttributeValue& value) {
  std::visit(
      [&p](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<bool>> ||
                      std::is_same_v<V, std::vector<int64_t>> ||
                      std::is_same_v<V, std::vector<double>> ||
                      std::is_same_v<V, std::vector<std::string>> ||
                      std::is_same_v<V, std::vector<Bytes>>) {
          p.Message(5, [&] {  // ArrayValue.values = 1
            // vector<bool> yields proxies: copy each element to its value type first.
            for (const auto& e : v) {
              p.Message(1, [&] { PutScalar(p, static_cast<const typename V::value_type&>(e)); });
            }
          });
        } else {
          PutScalar(p, v);
        }
      },
      value);
}

// Repeated KeyValue field `field` (KeyValue: key = 1, value = 2, always present).
template <typename Pass>
void PutKeyValues(Pass& p, uint32_t field, const Attributes& attributes) {
  // Plain pair, not a structured binding: clang 14 (the fuzz build) cannot capture bindings.
  for (const auto& kv : attributes) {
    const auto& key = kv.first;
    const auto& value = kv.second;
    p.Message(field, [&] {
      if (!key.empty()) p.Utf8(1, key);
      p.Message(2, [&] { PutAnyValue(p, value); });
    });
  }
}

// Resource: attributes = 1.
template <typename Pass>
void PutResource(Pass& p, const Resource& resource) {
  PutKeyValues(p, 1, resource.attributes);
}

// InstrumentationScope: name = 1, version = 2. A null scope is the empty scope.
template <typename Pass>
void PutScope(Pass& p, const InstrumentationScope* scope) {
  if (scope == nullptr) return;
  if (!scope->name.empty()) p.Utf8(1, scope->name);
  if (!scope->version.empty()) p.Utf8(2, scope->version);
}

// Records grouped by their scope pointer, groups in first-seen order, records in batch order;
// null records are skipped. `Record` has a `scope` member.
template <typename Record, typename Batch>
std::vector<std::pair<const InstrumentationScope*, std::vector<const Record*>>> GroupByScope(
    const Batch& batch) {
  std::vector<std::pair<const InstrumentationScope*, std::vector<const Record*>>> groups;
  size_t last = 0;
  for (const auto& record : batch) {
    if (!record) continue;
    // Batches usually hold long runs of one scope, and few scopes: a linear search suffices.
    if (groups.empty() || groups[last].first != record->scope) {
      last = 0;
      while (last < groups.size() && groups[last].first != record->scope) ++last;
      if (last == groups.size()) {
        groups.emplace_back(record->scope, std::vector<const Record*>());
        groups.back().second.reserve(batch.size());
      }
    }
    groups[last].second.push_back(record.get());
  }
  return groups;
}

}  // namespace ptx::encoding::internal
