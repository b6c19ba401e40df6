// Internal: conversions shared by every OTLP signal encoder (attributes, resource, scope, ids).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "ptx/base/attribute_value.h"
#include "ptx/sdk/resource.h"
#include "ptx/sdk/span_data.h"

namespace ptx::encoding::reference::internal {

namespace otlp_common = ::opentelemetry::proto::common::v1;
namespace otlp_resource = ::opentelemetry::proto::resource::v1;

// proto3 strings must be valid UTF-8: receivers reject a whole request over one bad byte.
// Copies `text` into `out`, replacing each invalid sequence with U+FFFD.
void SetUtf8(const std::string& text, std::string* out);

void FillAnyValue(const AttributeValue& value, otlp_common::AnyValue* out);
void FillKeyValues(const Attributes& attributes,
                   google::protobuf::RepeatedPtrField<otlp_common::KeyValue>* out);
void FillResource(const Resource& resource, otlp_resource::Resource* out);
// A null scope leaves `out` empty (the unnamed scope).
void FillScope(const InstrumentationScope* scope, otlp_common::InstrumentationScope* out);

// Ids go on the wire as raw bytes; an all-zero id (no parent, no id) as empty bytes.
template <size_t N>
bool AllZero(const std::array<uint8_t, N>& bytes) {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

template <size_t N>
void SetIdBytes(const std::array<uint8_t, N>& bytes, std::string* out) {
  out->assign(reinterpret_cast<const char*>(bytes.data()), N);
}

}  // namespace ptx::encoding::reference::internal
