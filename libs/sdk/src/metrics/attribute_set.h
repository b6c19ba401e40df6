// Internal: attribute sets as aggregation keys, identified regardless of key order.
#pragma once

#include <cstdint>

#include "ptx/base/attribute_value.h"

namespace ptx::metrics_internal {

// Order-independent: equal for permutations of the same key/value pairs (no sorting, no
// allocation: this runs on every measurement).
uint64_t HashAttributes(const Attributes& attributes);

// Sorted by key; of duplicate keys the last one wins.
Attributes Canonicalize(const Attributes& attributes);

// `canonical` is Canonicalize()d; `query` is in any order without duplicate keys.
bool SameAttributes(const Attributes& canonical, const Attributes& query);

// Value equality where NaN equals NaN and 0.0 equals -0.0, matching HashAttributes.
bool SameValue(const AttributeValue& a, const AttributeValue& b);

}  // namespace ptx::metrics_internal
