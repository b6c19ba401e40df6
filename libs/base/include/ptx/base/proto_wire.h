// Reading the protobuf wire format field by field, without generated code: for the few small
// messages the SDK decodes (OTLP Export responses, google.rpc.Status, SLS LogGroups).
//
//   ptx::ProtoWireReader r(bytes);
//   while (r.Next()) if (r.field() == 1 && r.type() == ptx::ProtoWireType::kVarint) n = r.varint();
//   if (!r.ok()) return InvalidArgumentError("malformed ...");
#pragma once

#include <cstdint>
#include <string_view>

namespace ptx {

enum class ProtoWireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// A cursor over one serialized message. Next() reads one field; the accessors describe it.
// Malformed input (truncation, a zero field number, an over-long varint, an unknown wire type,
// unbalanced groups) ends the iteration with ok() false. Groups are skipped as a whole, as
// protobuf does with unknown fields. Views point into the input. Thread-compatible.
class ProtoWireReader {
 public:
  explicit ProtoWireReader(std::string_view data) : data_(data) {}

  // True when a field was read; false at the end of the input or on malformed input.
  bool Next();
  bool ok() const { return ok_; }

  uint32_t field() const { return field_; }
  ProtoWireType type() const { return type_; }
  // kVarint, kFixed64 and kFixed32 values (fixed ones zero-extended).
  uint64_t varint() const { return value_; }
  // kLengthDelimited payloads.
  std::string_view bytes() const { return bytes_; }

 private:
  bool ReadVarint(uint64_t* value);
  bool SkipGroup(uint32_t field, int depth);

  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
  uint32_t field_ = 0;
  ProtoWireType type_ = ProtoWireType::kVarint;
  uint64_t value_ = 0;
  std::string_view bytes_;
};

}  // namespace ptx
