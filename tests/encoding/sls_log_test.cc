#include "ptx/encoding/sls_log.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "sls/log.pb.h"

namespace ptx::encoding {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += static_cast<char>(b);
  return out;
}

SlsLogGroup SmallGroup() {
  SlsLogGroup group;
  SlsLog& log = group.logs.emplace_back();
  log.time = 1;
  log.time_ns = 2;
  log.contents.push_back({"k", "v"});
  group.topic = "t";
  group.source = "s";
  group.tags.emplace_back("a", "b");
  return group;
}

TEST(EncodeLogGroupTest, HandComputedBytes) {
  const std::string expected =
      // Logs (1, length-delimited), 15 bytes
      Bytes({0x0a, 0x0f}) +
      // Time (1, varint) = 1
      Bytes({0x08, 0x01}) +
      // Contents (2, length-delimited) { Key (1) = "k", Value (2) = "v" }
      Bytes({0x12, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v'}) +
      // Time_ns (4, fixed32) = 2, little-endian
      Bytes({0x25, 0x02, 0x00, 0x00, 0x00}) +
      // Topic (3) = "t", Source (4) = "s"
      Bytes({0x1a, 0x01, 't', 0x22, 0x01, 's'}) +
      // LogTags (6) { Key (1) = "a", Value (2) = "b" }
      Bytes({0x32, 0x06, 0x0a, 0x01, 'a', 0x12, 0x01, 'b'});
  EXPECT_EQ(EncodeLogGroup(SmallGroup()), expected);
}

TEST(EncodeLogGroupTest, MultiByteVarints) {
  SlsLogGroup group;
  SlsLog& log = group.logs.emplace_back();
  log.time = 300;                                    // 0xac 0x02
  log.contents.push_back({"", std::string(200, 'x')});  // value length 200: 0xc8 0x01
  std::string encoded = EncodeLogGroup(group);
  // Content pair 2 + 203 = 205 bytes, as a field 1 + 2 + 205 = 208; the Log 3 + 208 = 211.
  const std::string head = Bytes({0x0a, 0xd3, 0x01, 0x08, 0xac, 0x02, 0x12, 0xcd, 0x01, 0x0a,
                                  0x00, 0x12, 0xc8, 0x01});
  ASSERT_EQ(encoded.size(), head.size() + 200);
  EXPECT_EQ(encoded.substr(0, head.size()), head);
  EXPECT_EQ(encoded.substr(head.size()), std::string(200, 'x'));
}

TEST(EncodeLogGroupTest, EmptyGroupIsEmpty) {
  EXPECT_EQ(EncodeLogGroup(SlsLogGroup{}), "");
  auto decoded = DecodeLogGroup("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->logs.empty());
  EXPECT_EQ(decoded->topic, "");
}

SlsLogGroup RichGroup() {
  SlsLogGroup group;
  group.topic = "checkout";
  group.source = "10.0.0.1";
  group.tags = {{"__hostname__", "web-1"}, {"env", ""}, {"zone", "\xe6\x9d\xad\xe5\xb7\x9e"}};
  SlsLog first;
  first.time = 1659929010;
  first.time_ns = 123456789;
  first.contents = {{"message", "hello"},
                    {"empty", ""},
                    {"utf8", "caf\xc3\xa9 \xf0\x9f\x98\x80"},
                    {"", "empty key"},
                    {"message", "duplicate key keeps its place"}};
  SlsLog second;
  second.time = 4294967295u;  // largest uint32
  second.contents = {{"k", std::string(1000, 'v')}};
  SlsLog third;  // no contents, time_ns 0 is still present
  third.time = 0;
  third.time_ns = 0;
  group.logs = {first, second, third};
  return group;
}

TEST(EncodeLogGroupTest, GeneratedParserSeesEveryField) {
  sls::LogGroup proto;
  ASSERT_TRUE(proto.ParseFromString(EncodeLogGroup(RichGroup())));
  EXPECT_EQ(proto.topic(), "checkout");
  EXPECT_EQ(proto.source(), "10.0.0.1");
  EXPECT_FALSE(proto.has_reserved());
  EXPECT_FALSE(proto.has_machineuuid());
  ASSERT_EQ(proto.logtags_size(), 3);
  EXPECT_EQ(proto.logtags(0).key(), "__hostname__");
  EXPECT_EQ(proto.logtags(0).value(), "web-1");
  EXPECT_EQ(proto.logtags(1).key(), "env");
  EXPECT_TRUE(proto.logtags(1).has_value());
  EXPECT_EQ(proto.logtags(1).value(), "");
  EXPECT_EQ(proto.logtags(2).value(), "\xe6\x9d\xad\xe5\xb7\x9e");

  ASSERT_EQ(proto.logs_size(), 3);
  const sls::Log& first = proto.logs(0);
  EXPECT_EQ(first.time(), 1659929010u);
  ASSERT_TRUE(first.has_time_ns());
  EXPECT_EQ(first.time_ns(), 123456789u);
  ASSERT_EQ(first.contents_size(), 5);
  EXPECT_EQ(first.contents(0).key(), "message");
  EXPECT_EQ(first.contents(0).value(), "hello");
  EXPECT_EQ(first.contents(1).key(), "empty");
  EXPECT_TRUE(first.contents(1).has_value());
  EXPECT_EQ(first.contents(1).value(), "");
  EXPECT_EQ(first.contents(2).value(), "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(first.contents(3).key(), "");
  EXPECT_EQ(first.contents(4).value(), "duplicate key keeps its place");

  const sls::Log& second = proto.logs(1);
  EXPECT_EQ(second.time(), 4294967295u);
  EXPECT_FALSE(second.has_time_ns());
  ASSERT_EQ(second.contents_size(), 1);
  EXPECT_EQ(second.contents(0).value(), std::string(1000, 'v'));

  const sls::Log& third = proto.logs(2);
  EXPECT_TRUE(third.has_time());
  EXPECT_EQ(third.time(), 0u);
  EXPECT_TRUE(third.has_time_ns());
  EXPECT_EQ(third.time_ns(), 0u);
  EXPECT_EQ(third.contents_size(), 0);
}

TEST(EncodeLogGroupTest, ByteIdenticalToGeneratedSerializer) {
  sls::LogGroup proto;
  ASSERT_TRUE(proto.ParseFromString(EncodeLogGroup(RichGroup())));
  EXPECT_EQ(proto.SerializeAsString(), EncodeLogGroup(RichGroup()));
}

TEST(EncodeLogGroupTest, EmptyTopicAndSourceAreLeftOff) {
  SlsLogGroup group = SmallGroup();
  group.topic.clear();
  group.source.clear();
  sls::LogGroup proto;
  ASSERT_TRUE(proto.ParseFromString(EncodeLogGroup(group)));
  EXPECT_FALSE(proto.has_topic());
  EXPECT_FALSE(proto.has_source());
}

void ExpectSameGroup(const SlsLogGroup& a, const SlsLogGroup& b) {
  EXPECT_EQ(a.topic, b.topic);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.tags, b.tags);
  ASSERT_EQ(a.logs.size(), b.logs.size());
  for (size_t i = 0; i < a.logs.size(); ++i) {
    EXPECT_EQ(a.logs[i].time, b.logs[i].time);
    EXPECT_EQ(a.logs[i].time_ns, b.logs[i].time_ns);
    ASSERT_EQ(a.logs[i].contents.size(), b.logs[i].contents.size());
    for (size_t j = 0; j < a.logs[i].contents.size(); ++j) {
      EXPECT_EQ(a.logs[i].contents[j].key, b.logs[i].contents[j].key);
      EXPECT_EQ(a.logs[i].contents[j].value, b.logs[i].contents[j].value);
    }
  }
}

TEST(SlsLogGroupTest, EqualityComparesEveryField) {
  const SlsLogGroup rich = RichGroup();
  ASSERT_FALSE(rich.logs.empty());
  ASSERT_FALSE(rich.logs[0].contents.empty());
  EXPECT_TRUE(rich == RichGroup());
  std::vector<std::function<void(SlsLogGroup&)>> changes = {
      [](SlsLogGroup& g) { g.topic += "x"; },
      [](SlsLogGroup& g) { g.source += "x"; },
      [](SlsLogGroup& g) { g.tags.emplace_back("k", "v"); },
      [](SlsLogGroup& g) { g.logs.pop_back(); },
      [](SlsLogGroup& g) { g.logs[0].time += 1; },
      [](SlsLogGroup& g) { g.logs[0].time_ns = g.logs[0].time_ns.value_or(0) + 1; },
      [](SlsLogGroup& g) { g.logs[0].contents[0].key += "x"; },
      [](SlsLogGroup& g) { g.logs[0].contents[0].value += "x"; },
      [](SlsLogGroup& g) { g.logs[0].contents.push_back({"k", "v"}); },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    SlsLogGroup changed = RichGroup();
    changes[i](changed);
    EXPECT_FALSE(changed == rich) << "change " << i;
  }
}

TEST(DecodeLogGroupTest, RoundTrips) {
  auto decoded = DecodeLogGroup(EncodeLogGroup(RichGroup()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameGroup(*decoded, RichGroup());
}

TEST(DecodeLogGroupTest, ReadsWhatTheGeneratedSerializerWrote) {
  sls::LogGroup proto;
  proto.set_topic("topic");
  proto.set_machineuuid("ignored");
  sls::Log* log = proto.add_logs();
  log->set_time(7);
  auto* content = log->add_contents();
  content->set_key("k");
  content->set_value("v");
  auto decoded = DecodeLogGroup(proto.SerializeAsString());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->topic, "topic");
  ASSERT_EQ(decoded->logs.size(), 1u);
  EXPECT_EQ(decoded->logs[0].time, 7u);
  EXPECT_FALSE(decoded->logs[0].time_ns.has_value());
  ASSERT_EQ(decoded->logs[0].contents.size(), 1u);
  EXPECT_EQ(decoded->logs[0].contents[0].key, "k");
}

TEST(DecodeLogGroupTest, MalformedIsInvalidArgument) {
  const std::string good = EncodeLogGroup(SmallGroup());
  for (const std::string& bad : {
           Bytes({0xff}),                                 // invalid tag
           good.substr(0, good.size() - 1),               // truncated
           Bytes({0x0a, 0x05, 0x08}),                     // length past the end
           Bytes({0x0a, 0x00}),                           // Log without the required Time
           Bytes({0x0a, 0x05, 0x08, 0x01, 0x12, 0x01, 0x0a}),  // truncated Content
           Bytes({0x0a, 0x07, 0x08, 0x01, 0x12, 0x03, 0x0a, 0x01, 'k'}),  // Content without Value
           Bytes({0x32, 0x03, 0x0a, 0x01, 'a'}),          // LogTag without Value
       }) {
    auto decoded = DecodeLogGroup(bad);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
  auto missing = DecodeLogGroup(Bytes({0x0a, 0x00}));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("Logs[0].Time"), std::string::npos)
      << missing.status().message();
}

TEST(LogGroupListTest, EncodesAndDecodes) {
  std::vector<SlsLogGroup> groups = {SmallGroup(), RichGroup(), SlsLogGroup{}};
  std::string encoded = EncodeLogGroupList(groups);

  const std::string small = EncodeLogGroup(SmallGroup());
  EXPECT_EQ(encoded.substr(0, 2 + small.size()),
            Bytes({0x0a, static_cast<int>(small.size())}) + small);
  EXPECT_EQ(encoded.substr(encoded.size() - 2), Bytes({0x0a, 0x00}));  // the empty group

  sls::LogGroupList proto;
  ASSERT_TRUE(proto.ParseFromString(encoded));
  ASSERT_EQ(proto.loggroups_size(), 3);
  EXPECT_EQ(proto.loggroups(1).topic(), "checkout");
  EXPECT_EQ(proto.SerializeAsString(), encoded);

  auto decoded = DecodeLogGroupList(encoded);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 3u);
  for (size_t i = 0; i < groups.size(); ++i) ExpectSameGroup((*decoded)[i], groups[i]);

  EXPECT_EQ(EncodeLogGroupList({}), "");
  auto empty = DecodeLogGroupList("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(LogGroupListTest, MalformedIsInvalidArgument) {
  for (const std::string& bad : {Bytes({0x0a, 0x02, 0x0a, 0x00}), Bytes({0x0a, 0x09}),
                                 Bytes({0x07})}) {
    auto decoded = DecodeLogGroupList(bad);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace ptx::encoding
