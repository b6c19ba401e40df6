// Text and JSON renderings of OTLP AnyValue shared by the store's filters and the query API.
//
//   std::string text = AnyValueToText(kv.value());            // "5", "true", "GET", "[1,2]"
//   nlohmann::json typed = AnyValueToTypedJson(kv.value());   // {"type":"int","value":"5"}
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"

namespace ptx::emulator {

namespace otlp_common = ::opentelemetry::proto::common::v1;

// Shortest round-trip form; "NaN", "Infinity", "-Infinity" for non-finite values.
std::string DoubleToText(double value);

// A JSON number, or the DoubleToText string for non-finite values (JSON has no NaN).
nlohmann::json DoubleToJson(double value);

// Strings as is, ints in decimal, doubles in shortest round-trip form ("NaN", "Infinity"),
// bools true/false, bytes in base64, arrays and kvlists as compact JSON. An unset value is "".
std::string AnyValueToText(const otlp_common::AnyValue& value);

// {"type": T, "value": V} with T one of string, bool, int (V a decimal string, so 64-bit
// values survive JSON readers that use doubles), double (V a number, or "NaN"/"Infinity"/
// "-Infinity"), bytes (V base64), array (V a list of typed values), kvlist (V an object of
// typed values), empty (V null).
nlohmann::json AnyValueToTypedJson(const otlp_common::AnyValue& value);

// Untyped JSON: strings, bools, numbers (ints as JSON integers), bytes base64, arrays and
// kvlists nested, an unset value null; non-finite doubles as "NaN"/"Infinity"/"-Infinity".
nlohmann::json AnyValueToPlainJson(const otlp_common::AnyValue& value);

// {"key": plain value, ...}; a repeated key keeps its last value.
nlohmann::json AttributesToPlainJson(
    const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attributes);

// {"key": typed value, ...}; a repeated key keeps its last value.
nlohmann::json AttributesToTypedJson(
    const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attributes);

// The string value of attribute `key`, or "" when absent or not a string.
std::string FindStringAttribute(
    const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attributes,
    std::string_view key);

}  // namespace ptx::emulator
