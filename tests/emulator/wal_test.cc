#include "wal.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "persistence.h"

namespace ptx::emulator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "ptx_wal_XXXXXX";
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

struct Opened {
  std::unique_ptr<Wal> wal;
  std::vector<std::string> records;
  WalRecovery recovery;
  Status status;
};

Opened Open(const std::string& dir, size_t segment_bytes = size_t{64} << 20) {
  Opened out;
  WalOptions options;
  options.dir = dir;
  options.segment_bytes = segment_bytes;
  auto wal = Wal::Open(
      options,
      [&out](std::string_view payload) {
        out.records.emplace_back(payload);
        return Status::Ok();
      },
      &out.recovery);
  out.status = wal.status();
  if (wal.ok()) out.wal = std::move(wal).value();
  return out;
}

void AppendAll(Wal& wal, const std::vector<std::string>& payloads) {
  uint64_t ticket = 0;
  for (const std::string& p : payloads) ticket = wal.Append(p);
  ASSERT_TRUE(wal.Commit(ticket).ok());
}

TEST(WalFrame, RoundTripsAndDetectsTruncationAndCorruption) {
  std::string frame = FrameRecord("hello");
  ASSERT_EQ(frame.size(), 8u + 5u);
  EXPECT_EQ(frame.substr(0, 4), std::string("\x05\x00\x00\x00", 4));  // little-endian length
  std::string_view payload;
  size_t size = 0;
  std::string followed = frame + "next";
  ASSERT_TRUE(ParseFrame(followed, &payload, &size).ok());
  EXPECT_EQ(payload, "hello");
  EXPECT_EQ(size, 13u);

  EXPECT_EQ(ParseFrame(frame.substr(0, 7), &payload, &size).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ParseFrame(frame.substr(0, 12), &payload, &size).code(), StatusCode::kOutOfRange);
  std::string flipped = frame;
  flipped[10] ^= 0x01;
  EXPECT_EQ(ParseFrame(flipped, &payload, &size).code(), StatusCode::kDataLoss);
  std::string bad_length = frame;
  bad_length[0] = 0x04;  // the CRC covers the length too
  EXPECT_EQ(ParseFrame(bad_length, &payload, &size).code(), StatusCode::kDataLoss);
  std::string empty = FrameRecord("");
  EXPECT_TRUE(ParseFrame(empty, &payload, &size).ok());
  EXPECT_EQ(payload, "");
}

TEST(Wal, ReplaysCommittedRecordsInOrderAfterReopen) {
  TempDir dir;
  {
    Opened first = Open(dir.path());
    ASSERT_TRUE(first.status.ok()) << first.status.message();
    EXPECT_TRUE(first.records.empty());
    AppendAll(*first.wal, {"a", "bb", std::string(100000, 'c')});
  }
  Opened second = Open(dir.path());
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  ASSERT_EQ(second.records.size(), 3u);
  EXPECT_EQ(second.records[0], "a");
  EXPECT_EQ(second.records[1], "bb");
  EXPECT_EQ(second.records[2], std::string(100000, 'c'));
  EXPECT_EQ(second.recovery.segment_records, 3u);
  EXPECT_EQ(second.recovery.truncated_bytes, 0u);
  second.wal.reset();
  // Each open starts a fresh segment; both are there and the third open replays both.
  EXPECT_THAT(Files(dir.path()),
              ElementsAre("LOCK", "wal-00000000000000000001.log", "wal-00000000000000000002.log"));
}

TEST(Wal, TruncatesATornTailAndKeepsEverythingBeforeIt) {
  TempDir dir;
  {
    Opened first = Open(dir.path());
    AppendAll(*first.wal, {"one", "two"});
  }
  const std::string segment = dir.path() + "/wal-00000000000000000001.log";
  std::string intact = Read(segment);
  std::string torn = FrameRecord("three-not-acknowledged").substr(0, 11);  // header + 3 bytes
  Write(segment, intact + torn);

  Opened second = Open(dir.path());
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  EXPECT_THAT(second.records, ElementsAre("one", "two"));
  EXPECT_EQ(second.recovery.truncated_bytes, torn.size());
  EXPECT_EQ(Read(segment), intact);  // cut back to the last whole record
}

TEST(Wal, TruncatesAtACrcMismatchInTheLastSegment) {
  TempDir dir;
  {
    Opened first = Open(dir.path());
    AppendAll(*first.wal, {"one", "two", "three"});
  }
  const std::string segment = dir.path() + "/wal-00000000000000000001.log";
  std::string data = Read(segment);
  data[data.size() - 1] ^= 0x20;  // last byte of "three"
  Write(segment, data);

  Opened second = Open(dir.path());
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  EXPECT_THAT(second.records, ElementsAre("one", "two"));
  EXPECT_EQ(second.recovery.truncated_bytes, 8u + 5u);
}

TEST(Wal, CorruptionBeforeTheLastSegmentIsDataLoss) {
  TempDir dir;
  {
    Opened first = Open(dir.path());
    AppendAll(*first.wal, {"one", "two"});
  }
  {
    Opened second = Open(dir.path());  // segment 2 now follows segment 1
    AppendAll(*second.wal, {"three"});
  }
  const std::string segment = dir.path() + "/wal-00000000000000000001.log";
  std::string data = Read(segment);
  data[9] ^= 0x01;
  Write(segment, data);
  Opened third = Open(dir.path());
  EXPECT_EQ(third.status.code(), StatusCode::kDataLoss);
  EXPECT_THAT(third.status.message(), HasSubstr("wal-00000000000000000001.log: CRC mismatch"));
}

TEST(Wal, SnapshotReplacesOlderSegments) {
  TempDir dir;
  {
    Opened first = Open(dir.path(), /*segment_bytes=*/16);
    AppendAll(*first.wal, {"old-1", "old-2"});
    EXPECT_TRUE(first.wal->SegmentFull());
    Result<uint64_t> cut = first.wal->Rotate();
    ASSERT_TRUE(cut.ok());
    EXPECT_EQ(*cut, 2u);
    EXPECT_FALSE(first.wal->SegmentFull());
    AppendAll(*first.wal, {"after-cut"});
    ASSERT_TRUE(first.wal
                    ->WriteSnapshot(*cut,
                                    [](const Wal::Emit& emit) {
                                      emit("state-1");
                                      emit("state-2");
                                    })
                    .ok());
    EXPECT_THAT(Files(dir.path()), ElementsAre("LOCK", "snapshot-00000000000000000002.snap",
                                               "wal-00000000000000000002.log"));
  }
  Opened second = Open(dir.path());
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  EXPECT_THAT(second.records, ElementsAre("state-1", "state-2", "after-cut"));
  EXPECT_EQ(second.recovery.snapshot_records, 2u);
  EXPECT_EQ(second.recovery.segment_records, 1u);
}

TEST(Wal, AnUnfinishedSnapshotIsIgnored) {
  TempDir dir;
  {
    Opened first = Open(dir.path());
    AppendAll(*first.wal, {"kept"});
  }
  Write(dir.path() + "/snapshot-00000000000000000009.snap.tmp", "half written");
  Opened second = Open(dir.path());
  ASSERT_TRUE(second.status.ok());
  EXPECT_THAT(second.records, ElementsAre("kept"));
  second.wal.reset();
  EXPECT_THAT(Files(dir.path()),
              ElementsAre("LOCK", "wal-00000000000000000001.log", "wal-00000000000000000002.log"));
}

TEST(Wal, ASecondOpenOfALockedDirectoryFails) {
  TempDir dir;
  Opened first = Open(dir.path());
  ASSERT_TRUE(first.status.ok());
  Opened second = Open(dir.path());
  EXPECT_EQ(second.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status.message(),
              HasSubstr("is locked by another ptx-emulator (pid " + std::to_string(::getpid()) +
                        ")"));
  first.wal.reset();
  EXPECT_TRUE(Open(dir.path()).status.ok());  // released with the first
}

TEST(Wal, ConcurrentCommitsAreAllDurableAndWhole) {
  TempDir dir;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  {
    Opened first = Open(dir.path());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          uint64_t ticket = first.wal->Append(std::to_string(t) + ":" + std::to_string(i));
          ASSERT_TRUE(first.wal->Commit(ticket).ok());
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }
  Opened second = Open(dir.path());
  ASSERT_EQ(second.records.size(), static_cast<size_t>(kThreads * kPerThread));
  // Each thread's records replay in its own order.
  std::vector<int> next(kThreads, 0);
  for (const std::string& r : second.records) {
    int t = std::stoi(r.substr(0, r.find(':')));
    EXPECT_EQ(std::stoi(r.substr(r.find(':') + 1)), next[t]++);
  }
}

// ---- Persistence: the stores through the log ----

SpanRecord MakeSpan(int n, std::shared_ptr<const Origin> origin) {
  SpanRecord record;
  auto resource = std::make_shared<ResourceInfo>();
  auto* kv = resource->resource.add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("svc");
  resource->service_name = "svc";
  record.resource = resource;
  record.scope = std::make_shared<ScopeInfo>();
  record.origin = std::move(origin);
  record.mutable_span()->set_trace_id(std::string(15, '\x01') + static_cast<char>(n));
  record.mutable_span()->set_span_id(std::string(7, '\x02') + static_cast<char>(n));
  record.mutable_span()->set_name("span-" + std::to_string(n));
  record.mutable_span()->set_start_time_unix_nano(1000 + n);
  record.mutable_span()->set_end_time_unix_nano(2000 + n);
  return record;
}

encoding::SlsLogGroup Group(const std::string& value) {
  encoding::SlsLogGroup group;
  group.topic = "t";
  encoding::SlsLog log;
  log.time = 1700000000;
  log.contents.push_back({"k", value});
  group.logs.push_back(log);
  return group;
}

TEST(Persistence, StoresComeBackIdenticalAcrossCompactionAndReopen) {
  TempDir dir;
  PersistenceOptions options;
  options.wal.dir = dir.path();
  options.snapshot_batch = 2;
  auto origin = std::make_shared<const Origin>(Origin{Protocol::kGrpc, "proj", "inst"});
  {
    Store store(StoreOptions{});
    SlsStore sls(SlsStoreOptions{});
    auto p = Persistence::Open(options, &store, &sls);
    ASSERT_TRUE(p.ok()) << p.status().message();
    std::vector<SpanRecord> spans;
    for (int i = 1; i <= 3; ++i) spans.push_back(MakeSpan(i, origin));
    ASSERT_TRUE(store.AddSpans(std::move(spans)).ok());
    ASSERT_EQ(sls.CreateProject(SlsProjectInfo{"p1", "desc", 1700000000}), SlsOutcome::kOk);
    SlsLogStoreInfo info;
    info.name = "ls";
    info.ttl = 7;
    ASSERT_EQ(sls.CreateLogStore("p1", info), SlsOutcome::kOk);
    sls.Append("p1", "ls", Group("v1"), 1700000001);
    sls.Append("p1", "ls", Group("v2"), 1700000002);
    ASSERT_EQ(sls.CreateProject(SlsProjectInfo{"gone", "", 1}), SlsOutcome::kOk);
    ASSERT_TRUE((*p)->Compact().ok());
    // After the cut: more spans, a deletion and an append go to the new segment.
    std::vector<SpanRecord> more;
    more.push_back(MakeSpan(4, origin));
    ASSERT_TRUE(store.AddSpans(std::move(more)).ok());
    ASSERT_EQ(sls.DeleteProject("gone"), SlsOutcome::kOk);
    sls.Append("p1", "ls", Group("v3"), 1700000003);
    EXPECT_EQ((*p)->compactions(), 1u);
  }
  Store store(StoreOptions{});
  SlsStore sls(SlsStoreOptions{});
  auto p = Persistence::Open(options, &store, &sls);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_GT((*p)->recovery().snapshot_records, 0u);
  EXPECT_EQ((*p)->recovery().segment_records, 3u);

  StoreDump dump = store.Dump();
  ASSERT_EQ(dump.spans.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    SpanRecord expected = MakeSpan(i + 1, origin);
    EXPECT_EQ(dump.spans[i]->span().SerializeAsString(), expected.span().SerializeAsString());
    EXPECT_EQ(dump.spans[i]->resource->service_name, "svc");
    EXPECT_EQ(dump.spans[i]->origin->protocol, Protocol::kGrpc);
    EXPECT_EQ(dump.spans[i]->origin->sls_project, "proj");
    EXPECT_EQ(dump.spans[i]->origin->sls_instance_id, "inst");
  }
  EXPECT_THAT(sls.ListProjects(), ElementsAre("p1"));
  EXPECT_EQ(sls.GetProject("p1")->description, "desc");
  SlsLogStoreInfo info;
  ASSERT_EQ(sls.GetLogStore("p1", "ls", &info), SlsOutcome::kOk);
  EXPECT_EQ(info.ttl, 7);
  std::vector<StoredLogGroupPtr> groups;
  ASSERT_EQ(sls.Snapshot("p1", "ls", &groups), SlsOutcome::kOk);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0]->sequence, 0u);
  EXPECT_EQ(groups[2]->sequence, 2u);
  EXPECT_EQ(groups[2]->received_unix_s, 1700000003);
  EXPECT_EQ(groups[2]->group.logs[0].contents[0].value, "v3");
}

TEST(Persistence, EvictedSlsGroupsKeepTheirSequenceThroughASnapshot) {
  TempDir dir;
  PersistenceOptions options;
  options.wal.dir = dir.path();
  {
    Store store(StoreOptions{});
    SlsStore sls(SlsStoreOptions{/*max_logs_per_logstore=*/2});
    auto p = Persistence::Open(options, &store, &sls);
    ASSERT_TRUE(p.ok());
    for (int i = 0; i < 5; ++i) sls.Append("p", "ls", Group(std::to_string(i)), 1700000000 + i);
    ASSERT_TRUE((*p)->Compact().ok());
  }
  Store store(StoreOptions{});
  SlsStore sls(SlsStoreOptions{2});
  auto p = Persistence::Open(options, &store, &sls);
  ASSERT_TRUE(p.ok());
  uint64_t begin = 0, end = 0;
  ASSERT_EQ(sls.Bounds("p", "ls", &begin, &end), SlsOutcome::kOk);
  EXPECT_EQ(begin, 3u);  // cursors handed out before the restart still point at the same group
  EXPECT_EQ(end, 5u);
}

}  // namespace
}  // namespace ptx::emulator

namespace ptx::emulator {
namespace {

// A journal whose disk has failed.
class FailingJournal : public Journal {
 public:
  uint64_t Record(std::string_view payload) override {
    records.emplace_back(payload);
    return records.size();
  }
  Status Commit(uint64_t) override { return Status(StatusCode::kUnavailable, "disk full"); }
  std::vector<std::string> records;
};

TEST(JournalFailure, StoresReportThatAChangeIsNotDurable) {
  FailingJournal journal;
  Store store(StoreOptions{});
  SlsStore sls(SlsStoreOptions{});
  store.set_journal(&journal);
  sls.set_journal(&journal);
  std::vector<SpanRecord> spans;
  spans.push_back(MakeSpan(1, std::make_shared<const Origin>()));
  Status added = store.AddSpans(std::move(spans));
  EXPECT_EQ(added.code(), StatusCode::kUnavailable);
  EXPECT_EQ(added.message(), "disk full");
  EXPECT_TRUE(sls.durable());
  EXPECT_EQ(sls.CreateProject(SlsProjectInfo{"p", "", 1}), SlsOutcome::kOk);
  EXPECT_FALSE(sls.durable());
  EXPECT_EQ(journal.records.size(), 2u);  // both were recorded before the commit failed
  store.set_journal(nullptr);
  sls.set_journal(nullptr);
}

}  // namespace
}  // namespace ptx::emulator
