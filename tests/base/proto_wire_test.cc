#include "ptx/base/proto_wire.h"

#include <gtest/gtest.h>

#include <string>

namespace ptx {
namespace {

TEST(ProtoWireReaderTest, ReadsEveryWireType) {
  // 1: varint 300, 2: fixed64 1, 3: bytes "hi", 4: fixed32 7, 2047: varint 1 (two-byte tag)
  const std::string data("\x08\xac\x02"
                         "\x11\x01\x00\x00\x00\x00\x00\x00\x00"
                         "\x1a\x02hi"
                         "\x25\x07\x00\x00\x00"
                         "\xf8\x7f\x01", 24);
  ProtoWireReader r(data);
  ASSERT_TRUE(r.Next());
  EXPECT_EQ(r.field(), 1u);
  EXPECT_EQ(r.type(), ProtoWireType::kVarint);
  EXPECT_EQ(r.varint(), 300u);
  ASSERT_TRUE(r.Next());
  EXPECT_EQ(r.type(), ProtoWireType::kFixed64);
  EXPECT_EQ(r.varint(), 1u);
  ASSERT_TRUE(r.Next());
  EXPECT_EQ(r.type(), ProtoWireType::kLengthDelimited);
  EXPECT_EQ(r.bytes(), "hi");
  ASSERT_TRUE(r.Next());
  EXPECT_EQ(r.field(), 4u);
  EXPECT_EQ(r.varint(), 7u);
  ASSERT_TRUE(r.Next());
  EXPECT_EQ(r.field(), 2047u);
  EXPECT_EQ(r.varint(), 1u);
  EXPECT_FALSE(r.Next());
  EXPECT_TRUE(r.ok());
}

TEST(ProtoWireReaderTest, SkipsGroupsWhole) {
  // 1: group { 2: varint 5, 3: group {} }, then 4: varint 9
  const std::string data("\x0b\x10\x05\x1b\x1c\x0c\x20\x09", 8);
  ProtoWireReader r(data);
  ASSERT_TRUE(r.Next());
  EXPECT_EQ(r.field(), 4u);
  EXPECT_EQ(r.varint(), 9u);
  EXPECT_FALSE(r.Next());
  EXPECT_TRUE(r.ok());
}

TEST(ProtoWireReaderTest, MalformedInputStopsWithNotOk) {
  for (const std::string& bad : {
           std::string("\x08", 1),                      // varint missing
           std::string("\x0a\x05hi", 4),                // length beyond the end
           std::string("\x00\x01", 2),                  // field number 0
           std::string("\x0e\x01", 2),                  // wire type 6
           std::string("\x0c", 1),                      // stray end-group
           std::string("\x0b\x10\x01", 3),              // group never closed
           std::string("\x0b\x14", 2),                  // group closed with another number
           std::string("\x11\x01\x02", 3),              // truncated fixed64
           std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12),  // 11-byte varint
       }) {
    ProtoWireReader r(bad);
    while (r.Next()) {
    }
    EXPECT_FALSE(r.ok()) << testing::PrintToString(bad);
  }
}

TEST(ProtoWireReaderTest, EmptyInputIsAnEmptyMessage) {
  ProtoWireReader r("");
  EXPECT_FALSE(r.Next());
  EXPECT_TRUE(r.ok());
}

}  // namespace
}  // namespace ptx
