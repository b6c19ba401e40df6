#include "sls_store.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ptx/base/hex.h"

namespace ptx::emulator {
namespace {

SlsProjectInfo Project(const std::string& name) {
  SlsProjectInfo info;
  info.name = name;
  return info;
}

SlsLogStoreInfo LogStore(const std::string& name) {
  SlsLogStoreInfo info;
  info.name = name;
  return info;
}

encoding::SlsLogGroup Group(const std::string& topic, size_t logs) {
  encoding::SlsLogGroup group;
  group.topic = topic;
  for (size_t i = 0; i < logs; ++i) {
    encoding::SlsLog log;
    log.time = 1700000000;
    log.contents.push_back({"i", std::to_string(i)});
    group.logs.push_back(std::move(log));
  }
  return group;
}

std::vector<std::string> Topics(const std::vector<StoredLogGroupPtr>& groups) {
  std::vector<std::string> out;
  for (const auto& g : groups) out.push_back(g->group.topic);
  return out;
}

TEST(SlsCursorTest, IsBase64OfDecimal) {
  EXPECT_EQ(EncodeCursor(0), "MA==");
  EXPECT_EQ(EncodeCursor(1234), Base64Encode("1234"));
  EXPECT_EQ(DecodeCursor("MA=="), 0u);
  EXPECT_EQ(DecodeCursor(EncodeCursor(18446744073709551615ull)), 18446744073709551615ull);
  EXPECT_EQ(DecodeCursor(""), std::nullopt);
  EXPECT_EQ(DecodeCursor("!!"), std::nullopt);
  EXPECT_EQ(DecodeCursor(Base64Encode("12a")), std::nullopt);
  EXPECT_EQ(DecodeCursor(Base64Encode("-1")), std::nullopt);
  EXPECT_EQ(DecodeCursor(Base64Encode("18446744073709551616")), std::nullopt);  // overflows
}

TEST(SlsStoreTest, ProjectsAndLogStores) {
  SlsStore store(SlsStoreOptions{});
  EXPECT_EQ(store.CreateLogStore("p", LogStore("ls")), SlsOutcome::kProjectNotExist);
  EXPECT_EQ(store.CreateProject(SlsProjectInfo{"p", "desc", 5}), SlsOutcome::kOk);
  EXPECT_EQ(store.CreateProject(Project("p")), SlsOutcome::kProjectAlreadyExist);
  EXPECT_EQ(store.GetProject("p")->description, "desc");
  EXPECT_EQ(store.CreateLogStore("p", LogStore("b")), SlsOutcome::kOk);
  EXPECT_EQ(store.CreateLogStore("p", LogStore("a")), SlsOutcome::kOk);
  EXPECT_EQ(store.CreateLogStore("p", LogStore("a")), SlsOutcome::kLogStoreAlreadyExist);
  std::vector<std::string> names;
  ASSERT_EQ(store.ListLogStores("p", &names), SlsOutcome::kOk);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(store.ListLogStores("q", &names), SlsOutcome::kProjectNotExist);
  SlsLogStoreInfo info;
  EXPECT_EQ(store.GetLogStore("p", "c", &info), SlsOutcome::kLogStoreNotExist);
  EXPECT_EQ(store.DeleteLogStore("p", "a"), SlsOutcome::kOk);
  EXPECT_EQ(store.DeleteLogStore("p", "a"), SlsOutcome::kLogStoreNotExist);
  EXPECT_EQ(store.DeleteProject("p"), SlsOutcome::kOk);
  EXPECT_EQ(store.GetProject("p"), std::nullopt);
  EXPECT_EQ(store.DeleteProject("p"), SlsOutcome::kProjectNotExist);
}

TEST(SlsStoreTest, AppendCreatesOnFirstWriteAndKeepsArrivalOrder) {
  SlsStore store(SlsStoreOptions{});
  EXPECT_EQ(store.Append("p", "ls", Group("a", 1), 100), 0u);
  EXPECT_EQ(store.Append("p", "ls", Group("b", 2), 101), 1u);
  ASSERT_TRUE(store.GetProject("p"));
  std::vector<StoredLogGroupPtr> groups;
  ASSERT_EQ(store.Snapshot("p", "ls", &groups), SlsOutcome::kOk);
  EXPECT_EQ(Topics(groups), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(groups[1]->sequence, 1u);
  EXPECT_EQ(store.Snapshot("p", "other", &groups), SlsOutcome::kLogStoreNotExist);
  SlsStoreCounts counts = store.Counts();
  EXPECT_EQ(counts.projects, 1u);
  EXPECT_EQ(counts.logstores, 1u);
  EXPECT_EQ(counts.log_groups, 2u);
  EXPECT_EQ(counts.logs, 3u);
  store.Clear();
  EXPECT_EQ(store.Counts().projects, 0u);
}

TEST(SlsStoreTest, EvictsOldestGroupsBeyondTheByteLimit) {
  // Bytes are keys, values and the topic: Group("a", 2) is "a" + "i""0" + "i""1" = 5.
  SlsStore store(SlsStoreOptions{100000, 11});
  store.Append("p", "ls", Group("a", 2), 1);
  store.Append("p", "ls", Group("b", 2), 2);
  EXPECT_EQ(store.Counts().bytes, 10u);
  store.Append("p", "ls", Group("c", 2), 3);  // 15 > 11: "a" goes
  std::vector<StoredLogGroupPtr> groups;
  ASSERT_EQ(store.Snapshot("p", "ls", &groups), SlsOutcome::kOk);
  EXPECT_EQ(Topics(groups), (std::vector<std::string>{"b", "c"}));
  SlsStoreCounts counts = store.Counts();
  EXPECT_EQ(counts.bytes, 10u);
  EXPECT_EQ(counts.evicted_bytes, 5u);
  EXPECT_EQ(counts.evicted_log_groups, 1u);
}

TEST(SlsStoreTest, EvictsOldestGroupsBeyondTheLogLimit) {
  SlsStore store(SlsStoreOptions{4});
  store.Append("p", "ls", Group("a", 2), 1);
  store.Append("p", "ls", Group("b", 2), 2);
  store.Append("p", "ls", Group("c", 3), 3);  // 7 logs: a and b go
  std::vector<StoredLogGroupPtr> groups;
  ASSERT_EQ(store.Snapshot("p", "ls", &groups), SlsOutcome::kOk);
  EXPECT_EQ(Topics(groups), (std::vector<std::string>{"c"}));
  uint64_t begin = 0, end = 0;
  ASSERT_EQ(store.Bounds("p", "ls", &begin, &end), SlsOutcome::kOk);
  EXPECT_EQ(begin, 2u);
  EXPECT_EQ(end, 3u);
  store.Append("p", "ls", Group("big", 9), 4);  // the newest group stays whatever its size
  ASSERT_EQ(store.Snapshot("p", "ls", &groups), SlsOutcome::kOk);
  EXPECT_EQ(Topics(groups), (std::vector<std::string>{"big"}));
  EXPECT_EQ(store.Counts().evicted_log_groups, 3u);
  EXPECT_EQ(store.Counts().evicted_logs, 7u);
}

TEST(SlsStoreTest, PullAndCursorAt) {
  SlsStore store(SlsStoreOptions{5});
  for (int i = 0; i < 5; ++i) store.Append("p", "ls", Group(std::to_string(i), 1), 100 + i * 10);
  std::vector<StoredLogGroupPtr> out;
  uint64_t next = 0;
  ASSERT_EQ(store.Pull("p", "ls", 1, 2, std::nullopt, &out, &next), SlsOutcome::kOk);
  EXPECT_EQ(Topics(out), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(next, 3u);
  ASSERT_EQ(store.Pull("p", "ls", 3, 10, 4, &out, &next), SlsOutcome::kOk);
  EXPECT_EQ(Topics(out), (std::vector<std::string>{"3"}));
  EXPECT_EQ(next, 4u);
  ASSERT_EQ(store.Pull("p", "ls", 5, 10, std::nullopt, &out, &next), SlsOutcome::kOk);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(next, 5u);
  EXPECT_EQ(store.Pull("p", "ls", 6, 10, std::nullopt, &out, &next), SlsOutcome::kInvalidCursor);

  // After eviction a stale cursor resumes at the oldest retained group.
  store.Append("p", "ls", Group("5", 1), 150);
  store.Append("p", "ls", Group("6", 1), 160);
  ASSERT_EQ(store.Pull("p", "ls", 0, 1, std::nullopt, &out, &next), SlsOutcome::kOk);
  EXPECT_EQ(Topics(out), (std::vector<std::string>{"2"}));
  EXPECT_EQ(next, 3u);

  uint64_t at = 0;
  ASSERT_EQ(store.CursorAt("p", "ls", 0, &at), SlsOutcome::kOk);
  EXPECT_EQ(at, 2u);
  ASSERT_EQ(store.CursorAt("p", "ls", 125, &at), SlsOutcome::kOk);
  EXPECT_EQ(at, 3u);
  ASSERT_EQ(store.CursorAt("p", "ls", 130, &at), SlsOutcome::kOk);
  EXPECT_EQ(at, 3u);
  ASSERT_EQ(store.CursorAt("p", "ls", 1000, &at), SlsOutcome::kOk);
  EXPECT_EQ(at, 7u);
}

TEST(SlsStoreTest, ArrivalTimesNeverDecrease) {
  SlsStore store(SlsStoreOptions{});
  store.Append("p", "ls", Group("a", 1), 200);
  store.Append("p", "ls", Group("b", 1), 150);  // a clock that stepped back
  std::vector<StoredLogGroupPtr> groups;
  ASSERT_EQ(store.Snapshot("p", "ls", &groups), SlsOutcome::kOk);
  EXPECT_EQ(groups[1]->received_unix_s, 200);
}

}  // namespace
}  // namespace ptx::emulator
