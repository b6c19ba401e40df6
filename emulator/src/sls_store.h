// SLS projects, logstores and their log groups: what PutLogs and the OTLP trace-instance
// write-through append, and what GetLogs, GetCursor and PullLogs read back.
//
//   SlsStore sls(SlsStoreOptions{.max_logs_per_logstore = 1000});
//   sls.Append("proj", "app-log", std::move(group), /*received_unix_s=*/now);
//   std::vector<StoredLogGroupPtr> groups;
//   if (sls.Snapshot("proj", "app-log", &groups) == SlsOutcome::kOk) { ... }
//
// Every mutation goes through CreateProject, CreateLogStore, Delete*, Append and Clear, and
// every read returns immutable shared groups: a persistent version journals those calls and
// replays them on start without touching the readers.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ptx/encoding/sls_log.h"
#include "thread_annotations.h"

namespace ptx::emulator {

struct SlsProjectInfo {
  std::string name;
  std::string description;
  int64_t create_time = 0;  // unix seconds
};

struct SlsLogStoreInfo {
  std::string name;
  int ttl = 30;                   // days, as requested (nothing expires by age here)
  int shard_count = 1;            // always 1: the emulator has one readwrite shard, id 0
  bool enable_tracking = false;
  bool append_meta = false;
  bool auto_split = false;
  int max_split_shard = 0;
  std::string telemetry_type;     // "" (logs) or "Metrics"
  int64_t create_time = 0;        // unix seconds
};

// One PutLogs body (or one write-through batch) as stored.
struct StoredLogGroup {
  uint64_t sequence = 0;         // position in its logstore, what cursors encode
  int64_t received_unix_s = 0;   // server arrival time, what GetCursor from=<time> looks up
  encoding::SlsLogGroup group;
  size_t bytes = 0;              // keys, values, topic, source and tags: what retention counts
};
using StoredLogGroupPtr = std::shared_ptr<const StoredLogGroup>;

enum class SlsOutcome {
  kOk,
  kProjectNotExist,
  kLogStoreNotExist,
  kProjectAlreadyExist,
  kLogStoreAlreadyExist,
  kInvalidCursor,  // a cursor past the end of the logstore
};

struct SlsStoreOptions {
  // Logs kept per logstore; whole log groups are evicted oldest first beyond it (the newest
  // group always stays, whatever its size).
  size_t max_logs_per_logstore = 100000;
  // The same bound by StoredLogGroup::bytes, per logstore.
  size_t max_bytes_per_logstore = SIZE_MAX;
};

struct SlsStoreCounts {
  size_t projects = 0;
  size_t logstores = 0;
  size_t log_groups = 0;
  size_t logs = 0;
  uint64_t evicted_log_groups = 0;
  uint64_t evicted_logs = 0;
  size_t bytes = 0;
  uint64_t evicted_bytes = 0;
};

// A whole logstore as a snapshot reads it.
struct SlsLogStoreDump {
  SlsLogStoreInfo info;
  std::vector<StoredLogGroupPtr> groups;
};
struct SlsProjectDump {
  SlsProjectInfo info;
  std::vector<SlsLogStoreDump> logstores;
};

class Journal;

// Cursors are the base64 of a decimal sequence number, as SLS cursors look to clients.
std::string EncodeCursor(uint64_t sequence);
// nullopt unless `cursor` is base64 of 1-20 decimal digits that fit in uint64_t.
std::optional<uint64_t> DecodeCursor(std::string_view cursor);

// One mutex over everything: writes are short appends, reads copy shared pointers out.
// With a journal attached every successful mutation is recorded under the lock and committed
// after it (a journal failure is reported by the journal itself). Thread-safe.
class SlsStore {
 public:
  explicit SlsStore(SlsStoreOptions options) : options_(options) {}
  SlsStore(const SlsStore&) = delete;
  SlsStore& operator=(const SlsStore&) = delete;

  // Attach once recovery has replayed into the store; nullptr detaches.
  void set_journal(Journal* journal) PTX_EXCLUDES(mu_);

  SlsOutcome CreateProject(SlsProjectInfo info) PTX_EXCLUDES(mu_);
  std::optional<SlsProjectInfo> GetProject(const std::string& project) const PTX_EXCLUDES(mu_);
  // Deletes the project with its logstores.
  SlsOutcome DeleteProject(const std::string& project) PTX_EXCLUDES(mu_);
  std::vector<std::string> ListProjects() const PTX_EXCLUDES(mu_);

  SlsOutcome CreateLogStore(const std::string& project, SlsLogStoreInfo info) PTX_EXCLUDES(mu_);
  SlsOutcome GetLogStore(const std::string& project, const std::string& logstore,
                         SlsLogStoreInfo* out) const PTX_EXCLUDES(mu_);
  SlsOutcome DeleteLogStore(const std::string& project, const std::string& logstore)
      PTX_EXCLUDES(mu_);
  // Logstore names, sorted.
  SlsOutcome ListLogStores(const std::string& project, std::vector<std::string>* out) const
      PTX_EXCLUDES(mu_);

  // Appends in arrival order, creating the project and logstore on first write; returns the
  // group's sequence number.
  uint64_t Append(const std::string& project, const std::string& logstore,
                  encoding::SlsLogGroup group, int64_t received_unix_s) PTX_EXCLUDES(mu_);
  // Recovery only: puts back a retained group with its sequence into an existing logstore
  // (the first one restored sets where the logstore begins). kOk or *NotExist.
  SlsOutcome RestoreGroup(const std::string& project, const std::string& logstore,
                          uint64_t sequence, int64_t received_unix_s,
                          encoding::SlsLogGroup group) PTX_EXCLUDES(mu_);
  // Everything, for a snapshot; `under_lock` runs while the lock is held.
  std::vector<SlsProjectDump> Dump(const std::function<void()>& under_lock = nullptr) const
      PTX_EXCLUDES(mu_);

  // Every retained group, oldest first.
  SlsOutcome Snapshot(const std::string& project, const std::string& logstore,
                      std::vector<StoredLogGroupPtr>* out) const PTX_EXCLUDES(mu_);
  // The first retained sequence and the next one to be written.
  SlsOutcome Bounds(const std::string& project, const std::string& logstore, uint64_t* begin,
                    uint64_t* end) const PTX_EXCLUDES(mu_);
  // The sequence of the first retained group received at or after `unix_s` (end if none).
  SlsOutcome CursorAt(const std::string& project, const std::string& logstore, int64_t unix_s,
                      uint64_t* sequence) const PTX_EXCLUDES(mu_);
  // Up to `count` groups from `from` (moved up to the first retained group when evicted),
  // stopping before `end` when given; *next is the sequence after the last one returned.
  SlsOutcome Pull(const std::string& project, const std::string& logstore, uint64_t from,
                  size_t count, std::optional<uint64_t> end, std::vector<StoredLogGroupPtr>* out,
                  uint64_t* next) const PTX_EXCLUDES(mu_);

  SlsStoreCounts Counts() const PTX_EXCLUDES(mu_);
  void Clear() PTX_EXCLUDES(mu_);
  // False once a journal commit failed (it stays failed): mutations since may not be durable,
  // and the SLS API answers them with an error instead of acknowledging them.
  bool durable() const { return !journal_failed_.load(); }

 private:
  struct LogStore {
    SlsLogStoreInfo info;
    std::deque<StoredLogGroupPtr> groups;  // groups[i].sequence == begin + i
    uint64_t begin = 0;
    size_t logs = 0;
    size_t bytes = 0;
  };
  struct Project {
    SlsProjectInfo info;
    std::map<std::string, LogStore> logstores;
  };

  const LogStore* Find(const std::string& project, const std::string& logstore,
                       SlsOutcome* outcome) const PTX_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Evict(LogStore& store) PTX_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t Record(const std::string& payload) PTX_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Commit(uint64_t ticket) PTX_EXCLUDES(mu_);

  const SlsStoreOptions options_;
  mutable std::mutex mu_;
  Journal* journal_ PTX_GUARDED_BY(mu_) = nullptr;
  std::atomic<bool> journal_failed_{false};
  std::map<std::string, Project> projects_ PTX_GUARDED_BY(mu_);
  uint64_t evicted_log_groups_ PTX_GUARDED_BY(mu_) = 0;
  uint64_t evicted_logs_ PTX_GUARDED_BY(mu_) = 0;
  uint64_t evicted_bytes_ PTX_GUARDED_BY(mu_) = 0;
};

}  // namespace ptx::emulator
