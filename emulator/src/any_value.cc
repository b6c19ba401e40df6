#include "any_value.h"

#include <charconv>
#include <cmath>

#include "ptx/base/hex.h"

namespace ptx::emulator {
namespace {

constexpr int kMaxRenderDepth = 64;  // protobuf's parser already caps nesting at 100

nlohmann::json PlainJson(const otlp_common::AnyValue& value, int depth) {
  if (depth > kMaxRenderDepth) return nullptr;
  switch (value.value_case()) {
    case otlp_common::AnyValue::kStringValue:
      return value.string_value();
    case otlp_common::AnyValue::kBoolValue:
      return value.bool_value();
    case otlp_common::AnyValue::kIntValue:
      return value.int_value();
    case otlp_common::AnyValue::kDoubleValue:
      if (!std::isfinite(value.double_value())) return DoubleToText(value.double_value());
      return value.double_value();
    case otlp_common::AnyValue::kBytesValue:
      return Base64Encode(value.bytes_value());
    case otlp_common::AnyValue::kArrayValue: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& v : value.array_value().values()) out.push_back(PlainJson(v, depth + 1));
      return out;
    }
    case otlp_common::AnyValue::kKvlistValue: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : value.kvlist_value().values()) {
        out[kv.key()] = PlainJson(kv.value(), depth + 1);
      }
      return out;
    }
    case otlp_common::AnyValue::VALUE_NOT_SET:
      break;
  }
  return nullptr;
}

nlohmann::json Typed(const char* type, nlohmann::json value) {
  return nlohmann::json{{"type", type}, {"value", std::move(value)}};
}

nlohmann::json TypedJson(const otlp_common::AnyValue& value, int depth) {
  if (depth > kMaxRenderDepth) return Typed("empty", nullptr);
  switch (value.value_case()) {
    case otlp_common::AnyValue::kStringValue:
      return Typed("string", value.string_value());
    case otlp_common::AnyValue::kBoolValue:
      return Typed("bool", value.bool_value());
    case otlp_common::AnyValue::kIntValue:
      return Typed("int", std::to_string(value.int_value()));
    case otlp_common::AnyValue::kDoubleValue:
      if (!std::isfinite(value.double_value())) {
        return Typed("double", DoubleToText(value.double_value()));
      }
      return Typed("double", value.double_value());
    case otlp_common::AnyValue::kBytesValue:
      return Typed("bytes", Base64Encode(value.bytes_value()));
    case otlp_common::AnyValue::kArrayValue: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& v : value.array_value().values()) out.push_back(TypedJson(v, depth + 1));
      return Typed("array", std::move(out));
    }
    case otlp_common::AnyValue::kKvlistValue: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& kv : value.kvlist_value().values()) {
        out[kv.key()] = TypedJson(kv.value(), depth + 1);
      }
      return Typed("kvlist", std::move(out));
    }
    case otlp_common::AnyValue::VALUE_NOT_SET:
      break;
  }
  return Typed("empty", nullptr);
}

}  // namespace

std::string DoubleToText(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

nlohmann::json DoubleToJson(double value) {
  if (!std::isfinite(value)) return DoubleToText(value);
  return value;
}

std::string AnyValueToText(const otlp_common::AnyValue& value) {
  switch (value.value_case()) {
    case otlp_common::AnyValue::kStringValue:
      return value.string_value();
    case otlp_common::AnyValue::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case otlp_common::AnyValue::kIntValue:
      return std::to_string(value.int_value());
    case otlp_common::AnyValue::kDoubleValue:
      return DoubleToText(value.double_value());
    case otlp_common::AnyValue::kBytesValue:
      return Base64Encode(value.bytes_value());
    case otlp_common::AnyValue::kArrayValue:
    case otlp_common::AnyValue::kKvlistValue:
      // Replace invalid UTF-8 rather than throw: the text is only compared and displayed.
      return PlainJson(value, 0).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    case otlp_common::AnyValue::VALUE_NOT_SET:
      break;
  }
  return "";
}

nlohmann::json AnyValueToPlainJson(const otlp_common::AnyValue& value) {
  return PlainJson(value, 0);
}

nlohmann::json AttributesToPlainJson(
    const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attributes) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& kv : attributes) out[kv.key()] = PlainJson(kv.value(), 0);
  return out;
}

nlohmann::json AnyValueToTypedJson(const otlp_common::AnyValue& value) {
  return TypedJson(value, 0);
}

nlohmann::json AttributesToTypedJson(
    const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attributes) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& kv : attributes) out[kv.key()] = TypedJson(kv.value(), 0);
  return out;
}

std::string FindStringAttribute(
    const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attributes,
    std::string_view key) {
  for (const auto& kv : attributes) {
    if (kv.key() == key && kv.value().has_string_value()) return kv.value().string_value();
  }
  return "";
}

}  // namespace ptx::emulator
