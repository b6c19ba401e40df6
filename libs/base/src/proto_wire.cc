#include "ptx/base/proto_wire.h"

#include <cstring>

namespace ptx {
namespace {

// Protobuf's own parser gives up on deeper nesting.
constexpr int kMaxGroupDepth = 100;
constexpr uint64_t kMaxFieldNumber = (1u << 29) - 1;

}  // namespace

bool ProtoWireReader::ReadVarint(uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return false;
    const uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;  // more than ten bytes
}

bool ProtoWireReader::SkipGroup(uint32_t field, int depth) {
  if (depth > kMaxGroupDepth) return false;
  while (pos_ < data_.size()) {
    uint64_t tag;
    if (!ReadVarint(&tag)) return false;
    const uint64_t number = tag >> 3;
    if (number == 0 || number > kMaxFieldNumber) return false;
    uint64_t ignored;
    switch (static_cast<ProtoWireType>(tag & 7)) {
      case ProtoWireType::kVarint:
        if (!ReadVarint(&ignored)) return false;
        break;
      case ProtoWireType::kFixed64:
        if (data_.size() - pos_ < 8) return false;
        pos_ += 8;
        break;
      case ProtoWireType::kFixed32:
        if (data_.size() - pos_ < 4) return false;
        pos_ += 4;
        break;
      case ProtoWireType::kLengthDelimited:
        if (!ReadVarint(&ignored) || ignored > data_.size() - pos_) return false;
        pos_ += ignored;
        break;
      case ProtoWireType::kStartGroup:
        if (!SkipGroup(static_cast<uint32_t>(number), depth + 1)) return false;
        break;
      case ProtoWireType::kEndGroup:
        return number == field;
      default:
        return false;
    }
  }
  return false;  // no end-group tag
}

bool ProtoWireReader::Next() {
  if (!ok_ || pos_ >= data_.size()) return false;
  for (;;) {
    uint64_t tag;
    if (!ReadVarint(&tag) || (tag >> 3) == 0 || (tag >> 3) > kMaxFieldNumber) {
      ok_ = false;
      return false;
    }
    field_ = static_cast<uint32_t>(tag >> 3);
    type_ = static_cast<ProtoWireType>(tag & 7);
    bool read = true;
    switch (type_) {
      case ProtoWireType::kVarint:
        read = ReadVarint(&value_);
        break;
      case ProtoWireType::kFixed64:
        if ((read = data_.size() - pos_ >= 8)) {
          std::memcpy(&value_, data_.data() + pos_, 8);  // little-endian host
          pos_ += 8;
        }
        break;
      case ProtoWireType::kFixed32:
        if ((read = data_.size() - pos_ >= 4)) {
          uint32_t v;
          std::memcpy(&v, data_.data() + pos_, 4);
          value_ = v;
          pos_ += 4;
        }
        break;
      case ProtoWireType::kLengthDelimited: {
        uint64_t length = 0;
        if ((read = ReadVarint(&length) && length <= data_.size() - pos_)) {
          bytes_ = data_.substr(pos_, length);
          pos_ += length;
        }
        break;
      }
      case ProtoWireType::kStartGroup:
        // Skipped whole: no message the SDK reads has groups.
        if (!SkipGroup(field_, 1)) break;
        if (pos_ >= data_.size()) return false;
        continue;
      default:  // a stray end-group or an unknown wire type
        read = false;
        break;
    }
    if (type_ == ProtoWireType::kStartGroup || !read) {
      ok_ = false;
      return false;
    }
    return true;
  }
}

}  // namespace ptx
