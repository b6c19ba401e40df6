#include "ptx/context/baggage.h"

#include <gtest/gtest.h>

#include <string>

namespace ptx {
namespace {

TEST(ContextBaggageTest, ParsesMembersWithWhitespace) {
  Baggage baggage = ParseBaggage(" k1 = v1 ,\tk2=v2\t,k3=");
  ASSERT_EQ(baggage.entries.size(), 3u);
  EXPECT_EQ(baggage.entries[0], (BaggageEntry{"k1", "v1", ""}));
  EXPECT_EQ(baggage.entries[1], (BaggageEntry{"k2", "v2", ""}));
  EXPECT_EQ(baggage.entries[2], (BaggageEntry{"k3", "", ""}));
  EXPECT_TRUE(ParseBaggage("").empty());
  EXPECT_TRUE(ParseBaggage(" , ,").empty());
}

TEST(ContextBaggageTest, PercentDecodesValues) {
  Baggage baggage = ParseBaggage("k=a%20b%2C%3B%25%3d,u=caf%C3%A9,plus=a+b");
  ASSERT_EQ(baggage.entries.size(), 3u);
  EXPECT_EQ(baggage.entries[0].value, "a b,;%=");
  EXPECT_EQ(baggage.entries[1].value, "caf\xC3\xA9");
  EXPECT_EQ(baggage.entries[2].value, "a+b");  // '+' is not a space in W3C baggage
}

TEST(ContextBaggageTest, MalformedEscapesStayLiteralAndBadUtf8BecomesReplacement) {
  Baggage baggage = ParseBaggage("a=100%,b=%zz,c=%FF,d=x%C3,e=%ED%A0%80");
  ASSERT_EQ(baggage.entries.size(), 5u);
  EXPECT_EQ(baggage.entries[0].value, "100%");
  EXPECT_EQ(baggage.entries[1].value, "%zz");
  EXPECT_EQ(baggage.entries[2].value, "\xEF\xBF\xBD");
  EXPECT_EQ(baggage.entries[3].value, "x\xEF\xBF\xBD");
  // An encoded surrogate is not UTF-8: each byte is replaced.
  EXPECT_EQ(baggage.entries[4].value, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(ContextBaggageTest, FormatPercentEncodesAndRoundTrips) {
  Baggage baggage;
  baggage.Set("user", "alice smith");
  baggage.Set("odd", "a,b;c\"d\\e%f=g");
  baggage.Set("utf8", "caf\xC3\xA9");
  baggage.Set("empty", "");
  const std::string header = FormatBaggage(baggage);
  EXPECT_EQ(header, "user=alice%20smith,odd=a%2Cb%3Bc%22d%5Ce%25f=g,utf8=caf%C3%A9,empty=");
  EXPECT_EQ(ParseBaggage(header).entries, baggage.entries);

  std::string ascii;
  for (int c = 0; c < 0x80; ++c) ascii += static_cast<char>(c);
  Baggage all;
  all.Set("ascii", ascii);
  all.Set("latin", "\xC2\xA9\xC3\xBF\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_EQ(ParseBaggage(FormatBaggage(all)).entries, all.entries);
}

TEST(ContextBaggageTest, PropertiesAreKeptAsMetadata) {
  Baggage baggage = ParseBaggage("k=v;p1; p2 = x ;p3=%20,j=w");
  ASSERT_EQ(baggage.entries.size(), 2u);
  EXPECT_EQ(baggage.entries[0], (BaggageEntry{"k", "v", "p1;p2=x;p3=%20"}));
  EXPECT_EQ(baggage.entries[1], (BaggageEntry{"j", "w", ""}));
  EXPECT_EQ(FormatBaggage(baggage), "k=v;p1;p2=x;p3=%20,j=w");
}

TEST(ContextBaggageTest, InvalidMembersAreSkipped) {
  Baggage baggage = ParseBaggage(
      "k1=v1,bad key=v,=novalue,k3,k4=v\"q,k5=v;p@x,k6=a b,k7=a\\b,k8=\xC3\xA9,k2=v2");
  ASSERT_EQ(baggage.entries.size(), 2u);
  EXPECT_EQ(baggage.entries[0].key, "k1");
  EXPECT_EQ(baggage.entries[1].key, "k2");
}

TEST(ContextBaggageTest, RepeatedKeyReplacesInPlace) {
  Baggage baggage = ParseBaggage("k=1,j=2,k=3;p");
  ASSERT_EQ(baggage.entries.size(), 2u);
  EXPECT_EQ(baggage.entries[0], (BaggageEntry{"k", "3", "p"}));
  EXPECT_EQ(baggage.entries[1], (BaggageEntry{"j", "2", ""}));
}

TEST(ContextBaggageTest, SetAndFind) {
  Baggage baggage;
  EXPECT_EQ(baggage.Find("a"), nullptr);
  baggage.Set("a", "1");
  baggage.Set("b", "2", "meta");
  baggage.Set("a", "3");
  ASSERT_EQ(baggage.entries.size(), 2u);
  ASSERT_NE(baggage.Find("a"), nullptr);
  EXPECT_EQ(baggage.Find("a")->value, "3");
  EXPECT_EQ(baggage.Find("b")->metadata, "meta");
  EXPECT_EQ(baggage.entries[0].key, "a");
}

TEST(ContextBaggageTest, FormatSkipsInvalidKeysAndMetadata) {
  Baggage baggage;
  baggage.Set("bad key", "x");
  baggage.Set("ok", "y", "p1;bad prop=1");
  baggage.Set("", "z");
  EXPECT_EQ(FormatBaggage(baggage), "ok=y");
  EXPECT_EQ(FormatBaggage(Baggage()), "");
}

TEST(ContextBaggageTest, MemberLimitIs64) {
  std::string header;
  Baggage many;
  for (int i = 0; i < 65; ++i) {
    if (i > 0) header += ",";
    header += "k" + std::to_string(i) + "=v";
    many.Set("k" + std::to_string(i), "v");
  }
  Baggage parsed = ParseBaggage(header);
  ASSERT_EQ(parsed.entries.size(), 64u);
  EXPECT_EQ(parsed.entries.back().key, "k63");
  // A repeated key does not need a new slot.
  EXPECT_EQ(ParseBaggage(header + ",k0=w").Find("k0")->value, "w");

  std::string formatted = FormatBaggage(many);
  EXPECT_EQ(ParseBaggage(formatted).entries.size(), 64u);
  EXPECT_EQ(formatted.find("k64="), std::string::npos);
  EXPECT_NE(formatted.find("k63=v"), std::string::npos);
}

// A member whose encoded form is exactly `size` bytes: "kN=" plus x's.
std::string Member(int index, size_t size) {
  std::string key = "k" + std::to_string(index);
  return key + "=" + std::string(size - key.size() - 1, 'x');
}

TEST(ContextBaggageTest, ByteLimitDropsWholeMembers) {
  // Eight 1000-byte members and seven commas: 8007 bytes.
  std::string eight;
  for (int i = 0; i < 8; ++i) eight += (i ? "," : "") + Member(i, 1000);
  ASSERT_EQ(eight.size(), 8007u);

  // 8007 + ',' + 184 = 8192 fits exactly; one byte more does not, but a later small member does.
  Baggage exact = ParseBaggage(eight + "," + Member(8, 184));
  EXPECT_EQ(exact.entries.size(), 9u);
  EXPECT_EQ(FormatBaggage(exact).size(), 8192u);

  Baggage over = ParseBaggage(eight + "," + Member(8, 185) + ",z=1");
  ASSERT_EQ(over.entries.size(), 9u);
  EXPECT_EQ(over.entries[7].key, "k7");
  EXPECT_EQ(over.entries[8], (BaggageEntry{"z", "1", ""}));

  // Encoding counts: a space becomes three bytes.
  Baggage spaces =
      ParseBaggage(eight + ",k8=" + std::string(60, 'x') + "%20" + std::string(117, 'x'));
  EXPECT_EQ(spaces.entries.size(), 9u);  // 8007 + 1 + (3 + 60 + 3 + 117) = 8191 bytes
  Baggage spaces_over =
      ParseBaggage(eight + ",k8=" + std::string(62, 'x') + "%20" + std::string(117, 'x'));
  EXPECT_EQ(spaces_over.entries.size(), 8u);

  // Format applies the same limit to entries set in code.
  Baggage built;
  for (int i = 0; i < 8; ++i) built.Set("k" + std::to_string(i), std::string(997, 'x'));
  built.Set("big", std::string(300, ' '));  // 900 bytes once encoded
  built.Set("z", "1");
  std::string formatted = FormatBaggage(built);
  EXPECT_EQ(formatted, eight + ",z=1");
}

}  // namespace
}  // namespace ptx
