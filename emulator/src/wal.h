// The emulator's write-ahead log: what --data-dir persists. Records are opaque payloads framed
// with their length and a CRC32; they go to numbered segment files, and a snapshot file can
// replace every segment before a given one so the log does not grow without bound.
//
//   auto wal = Wal::Open(WalOptions{.dir = "/tmp/ptx"}, apply_record, &recovery);
//   uint64_t ticket = (*wal)->Append(payload);      // in the order the state changes
//   if (Status s = (*wal)->Commit(ticket); !s.ok()) ...   // durable per WalOptions::fsync
//
// Files in the directory:
//   LOCK                      flock()ed by the owning process, holds its pid
//   wal-<20 digits>.log       segments, replayed in number order
//   snapshot-<20 digits>.snap the whole state as records, standing for all segments below it
// A frame is [u32 payload length][u32 CRC32 of the length bytes and the payload][payload],
// little-endian. Recovery replays the newest snapshot, then the segments from its number on;
// a torn or corrupt frame at the end of the last segment (a crash mid-write) is truncated,
// anywhere else it is DataLoss.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "ptx/base/status.h"
#include "thread_annotations.h"

namespace ptx::emulator {

enum class FsyncPolicy {
  kAlways,    // Commit returns after fdatasync; concurrent commits share one (group commit)
  kInterval,  // Commit returns after write(); a thread fdatasyncs every fsync_interval
  kNever,     // Commit returns after write(); the OS flushes when it likes
};

// "always", "interval", "never".
const char* FsyncPolicyName(FsyncPolicy policy);
// nullopt-like: false when `text` names no policy.
bool ParseFsyncPolicy(std::string_view text, FsyncPolicy* out);

struct WalOptions {
  std::string dir;                                // created when missing
  size_t segment_bytes = size_t{64} << 20;        // SegmentFull() beyond it
  FsyncPolicy fsync = FsyncPolicy::kAlways;       // when Commit counts as durable
  std::chrono::milliseconds fsync_interval{100};  // kInterval's period
};

// What recovery found.
struct WalRecovery {
  uint64_t snapshot_records = 0;  // records replayed from the snapshot
  uint64_t segment_records = 0;   // records replayed from segments
  uint64_t truncated_bytes = 0;   // torn tail cut off the last segment
};

// Called with each recovered payload in order; an error aborts Open.
using WalApply = std::function<Status(std::string_view payload)>;

// The frame of one payload, and the inverse: Ok with *payload and *frame_size set, or
// OutOfRange when `data` ends before the frame does, or DataLoss on a CRC mismatch.
std::string FrameRecord(std::string_view payload);
Status ParseFrame(std::string_view data, std::string_view* payload, size_t* frame_size);

// Append and Commit are thread-safe; Rotate and WriteSnapshot are called by one thread at a
// time (the compactor).
class Wal {
 public:
  // Locks the directory (FailedPrecondition naming the other process when it is locked),
  // recovers through `apply`, then opens a fresh segment.
  static Result<std::unique_ptr<Wal>> Open(WalOptions options, const WalApply& apply,
                                           WalRecovery* recovery);
  ~Wal();  // writes and syncs what is pending, then unlocks
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Buffers one record; returns the ticket Commit waits for. Callers append under the lock
  // that orders their state changes, so the log replays them in the same order.
  uint64_t Append(std::string_view payload) PTX_EXCLUDES(mu_);
  // Returns once every record up to `ticket` is written (and synced under kAlways). Errors
  // are sticky: after one, nothing more is durable.
  Status Commit(uint64_t ticket) PTX_EXCLUDES(mu_);
  // The current segment has grown beyond segment_bytes: time for a snapshot.
  bool SegmentFull() const PTX_EXCLUDES(mu_);
  // Closes the current segment (written and synced) and starts the next one; returns its
  // number. Callers hold their state locks so the snapshot they take matches the cut.
  Result<uint64_t> Rotate() PTX_EXCLUDES(mu_);
  // Writes snapshot-<segment> from the payloads `produce` emits (atomically: temp file,
  // fsync, rename), then deletes every older snapshot and segment.
  using Emit = std::function<void(std::string_view payload)>;
  Status WriteSnapshot(uint64_t segment, const std::function<void(const Emit&)>& produce);

  const std::string& dir() const { return options_.dir; }

 private:
  explicit Wal(WalOptions options) : options_(std::move(options)) {}
  Status Recover(const WalApply& apply, WalRecovery* recovery);
  Status OpenSegment(uint64_t number) PTX_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SyncLoop();

  const WalOptions options_;
  int lock_fd_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int fd_ PTX_GUARDED_BY(mu_) = -1;
  uint64_t segment_ PTX_GUARDED_BY(mu_) = 0;        // number of the open segment
  size_t segment_size_ PTX_GUARDED_BY(mu_) = 0;     // its bytes, pending included
  std::string pending_ PTX_GUARDED_BY(mu_);         // framed, not yet written
  uint64_t appended_ PTX_GUARDED_BY(mu_) = 0;       // last ticket handed out
  uint64_t written_ PTX_GUARDED_BY(mu_) = 0;        // last ticket written (synced: kAlways)
  bool busy_ PTX_GUARDED_BY(mu_) = false;           // a Commit leader is writing fd_
  bool stopping_ PTX_GUARDED_BY(mu_) = false;
  Status error_ PTX_GUARDED_BY(mu_);
  std::thread sync_thread_;                          // kInterval only
};

}  // namespace ptx::emulator
