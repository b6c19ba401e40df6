// --data-dir: recovers the stores from the write-ahead log, then journals every change they
// make, and compacts the log into a snapshot whenever a segment fills up.
//
//   auto persistence = Persistence::Open(PersistenceOptions{.wal = {.dir = dir}}, &store, &sls);
//   if (!persistence.ok()) { print persistence.status(); exit }
//   ...   // serve; the stores journal through it
//   persistence->reset();   // detaches from the stores, syncs, unlocks the directory
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "journal.h"
#include "sls_store.h"
#include "store.h"
#include "thread_annotations.h"
#include "wal.h"

namespace ptx::emulator {

struct PersistenceOptions {
  WalOptions wal;                 // directory, segment size, fsync policy
  size_t snapshot_batch = 1000;   // records per snapshot entry
};

// Thread-safe. Destroy it before the stores.
class Persistence final : public Journal {
 public:
  // Recovers into the (empty) stores, then attaches to them as their journal.
  static Result<std::unique_ptr<Persistence>> Open(PersistenceOptions options, Store* store,
                                                   SlsStore* sls_store);
  ~Persistence() override;
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  uint64_t Record(std::string_view payload) override;
  Status Commit(uint64_t ticket) override;

  // Snapshots the stores now and drops the segments the snapshot replaces. Runs on its own
  // thread when a segment fills up; tests call it directly.
  Status Compact() PTX_EXCLUDES(compact_mu_);

  const WalRecovery& recovery() const { return recovery_; }
  uint64_t compactions() const { return compactions_.load(); }

 private:
  Persistence(PersistenceOptions options, Store* store, SlsStore* sls_store)
      : options_(std::move(options)), store_(store), sls_store_(sls_store) {}
  void CompactLoop();

  const PersistenceOptions options_;
  Store* store_;
  SlsStore* sls_store_;
  std::unique_ptr<Wal> wal_;
  WalRecovery recovery_;
  std::atomic<bool> reported_error_{false};
  std::atomic<uint64_t> compactions_{0};

  std::mutex compact_mu_;  // one compaction at a time
  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool compact_requested_ PTX_GUARDED_BY(wake_mu_) = false;
  bool stopping_ PTX_GUARDED_BY(wake_mu_) = false;
  std::thread compactor_;
};

}  // namespace ptx::emulator
