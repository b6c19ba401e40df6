#include "ptx/base/hex.h"

#include <gtest/gtest.h>

#include <cstring>

namespace ptx {
namespace {

TEST(HexTest, RoundTrip) {
  const uint8_t bytes[] = {0x0a, 0xf7, 0x65, 0x19};
  EXPECT_EQ(HexEncode(bytes, 4), "0af76519");
  EXPECT_EQ(HexEncode(bytes, 4, true), "0AF76519");
  uint8_t out[4];
  ASSERT_TRUE(HexDecode("0AF76519", out, 4));
  EXPECT_EQ(0, memcmp(out, bytes, 4));
}

TEST(HexTest, RejectsBadInput) {
  uint8_t out[2];
  EXPECT_FALSE(HexDecode("abc", out, 2));
  EXPECT_FALSE(HexDecode("abcg", out, 2));
  EXPECT_FALSE(HexDecode("abcdef", out, 2));
}

TEST(Base64Test, RfcVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  std::string out;
  ASSERT_TRUE(Base64Decode("Zm9vYg==", &out));
  EXPECT_EQ(out, "foob");
  EXPECT_FALSE(Base64Decode("Zm9", &out));
  EXPECT_FALSE(Base64Decode("Zm=v", &out));
  EXPECT_FALSE(Base64Decode("Z!9v", &out));
}

}  // namespace
}  // namespace ptx
