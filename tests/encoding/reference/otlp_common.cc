#include "otlp_common.h"

#include <type_traits>
#include <variant>

namespace ptx::encoding::reference::internal {
namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 when it is invalid (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF).
size_t ValidSequenceLength(const std::string& text, size_t i) {
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

void SetScalar(bool v, otlp_common::AnyValue* out) { out->set_bool_value(v); }
void SetScalar(int64_t v, otlp_common::AnyValue* out) { out->set_int_value(v); }
void SetScalar(double v, otlp_common::AnyValue* out) { out->set_double_value(v); }
void SetScalar(const std::string& v, otlp_common::AnyValue* out) {
  SetUtf8(v, out->mutable_string_value());
}
void SetScalar(const Bytes& v, otlp_common::AnyValue* out) { out->set_bytes_value(v.data); }

template <typename T>
void SetArray(const std::vector<T>& values, otlp_common::AnyValue* out) {
  auto* array = out->mutable_array_value()->mutable_values();
  array->Reserve(static_cast<int>(values.size()));
  // vector<bool> yields proxies: copy each element to its value type first.
  for (const auto& v : values) SetScalar(static_cast<T>(v), array->Add());
}

template <>
void SetArray(const std::vector<std::string>& values, otlp_common::AnyValue* out) {
  auto* array = out->mutable_array_value()->mutable_values();
  array->Reserve(static_cast<int>(values.size()));
  for (const auto& v : values) SetUtf8(v, array->Add()->mutable_string_value());
}

template <>
void SetArray(const std::vector<Bytes>& values, otlp_common::AnyValue* out) {
  auto* array = out->mutable_array_value()->mutable_values();
  array->Reserve(static_cast<int>(values.size()));
  for (const auto& v : values) array->Add()->set_bytes_value(v.data);
}

}  // namespace

void SetUtf8(const std::string& text, std::string* out) {
  size_t i = 0;
  while (i < text.size()) {
    size_t n = ValidSequenceLength(text, i);
    if (n == 0) break;
    i += n;
  }
  if (i == text.size()) {  // the common case: one scan, one copy
    out->assign(text);
    return;
  }
  out->assign(text, 0, i);
  while (i < text.size()) {
    size_t n = ValidSequenceLength(text, i);
    if (n == 0) {
      out->append("\xef\xbf\xbd");  // U+FFFD
      ++i;
    } else {
      out->append(text, i, n);
      i += n;
    }
  }
}

void FillAnyValue(const AttributeValue& value, otlp_common::AnyValue* out) {
  std::visit(
      [out](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<bool>> ||
                      std::is_same_v<V, std::vector<int64_t>> ||
                      std::is_same_v<V, std::vector<double>> ||
                      std::is_same_v<V, std::vector<std::string>> ||
                      std::is_same_v<V, std::vector<Bytes>>) {
          SetArray(v, out);
        } else {
          SetScalar(v, out);
        }
      },
      value);
}

void FillKeyValues(const Attributes& attributes,
                   google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* out) {
  out->Reserve(out->size() + static_cast<int>(attributes.size()));
  for (const auto& [key, value] : attributes) {
    otlp_common::KeyValue* kv = out->Add();
    SetUtf8(key, kv->mutable_key());
    FillAnyValue(value, kv->mutable_value());
  }
}

void FillResource(const Resource& resource, otlp_resource::Resource* out) {
  FillKeyValues(resource.attributes, out->mutable_attributes());
}

void FillScope(const InstrumentationScope* scope, otlp_common::InstrumentationScope* out) {
  if (scope == nullptr) return;
  SetUtf8(scope->name, out->mutable_name());
  SetUtf8(scope->version, out->mutable_version());
}

}  // namespace ptx::encoding::reference::internal
