#include "ptx/sdk/batch_processor.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>

#include "ptx/base/status.h"
#include "ptx/sdk/exporter.h"
#include "ptx/sdk/logs/log_record_exporter.h"

namespace ptx {
namespace {

BatchOptions Normalize(BatchOptions o) {
  o.max_queue = std::max<size_t>(o.max_queue, 1);
  o.max_export_batch = std::clamp<size_t>(o.max_export_batch, 1, o.max_queue);
  // Bounded so that now + delay cannot overflow the clock.
  constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 365);
  o.schedule_delay = std::clamp(o.schedule_delay, std::chrono::milliseconds(0), kMaxDuration);
  o.export_timeout = std::clamp(o.export_timeout, std::chrono::milliseconds(0), kMaxDuration);
  return o;
}

bool ReadMillisOrCount(const std::string& name, long long* out) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v < '0' || *v > '9') return false;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = n;
  return true;
}

// prefix is "OTEL_BSP_" or "OTEL_BLRP_": both families use the same four suffixes.
BatchOptions ApplyEnv(BatchOptions o, const std::string& prefix) {
  long long n = 0;
  if (ReadMillisOrCount(prefix + "MAX_QUEUE_SIZE", &n) && n > 0) o.max_queue = n;
  if (ReadMillisOrCount(prefix + "MAX_EXPORT_BATCH_SIZE", &n) && n > 0) o.max_export_batch = n;
  if (ReadMillisOrCount(prefix + "SCHEDULE_DELAY", &n)) o.schedule_delay = std::chrono::milliseconds(n);
  if (ReadMillisOrCount(prefix + "EXPORT_TIMEOUT", &n)) o.export_timeout = std::chrono::milliseconds(n);
  return o;
}

}  // namespace

BatchOptions BatchOptionsFromEnv(BatchOptions o) { return ApplyEnv(std::move(o), "OTEL_BSP_"); }
BatchOptions BatchLogOptionsFromEnv(BatchOptions o) { return ApplyEnv(std::move(o), "OTEL_BLRP_"); }

// Everything the worker thread touches. Co-owned by the processor and the worker, so an
// abandoned worker never touches freed memory.
template <typename Record, typename Exporter>
struct BatchProcessor<Record, Exporter>::State {
  State(std::unique_ptr<Exporter> e, const BatchOptions& o, BatchLabels l)
      : options(Normalize(o)),
        labels(l),
        half(std::max<size_t>(options.max_queue / 2, 1)),
        exporter(std::move(e)),
        ring(options.max_queue) {}

  void Run();
  Status SafeExport(const Batch& batch, SteadyClock::time_point deadline);
  void Report(const char* what, std::string_view message) {
    if (options.diagnostics) options.diagnostics(std::string(labels.key_prefix) + "." + what, message);
  }
  std::string Count(uint64_t n) const {
    return std::to_string(n) + " " + labels.noun + "(s)";
  }
  void DiscardQueued() {  // with mu held
    for (size_t i = 0; i < size; ++i) ring[(head + i) % ring.size()].reset();
    head = size = 0;
  }

  const BatchOptions options;
  const BatchLabels labels;
  const size_t half;  // wake-up threshold
  // Used by the worker thread only (moved to a fresh State after fork).
  std::unique_ptr<Exporter> exporter;

  std::mutex mu;
  std::condition_variable work_cv;  // the worker waits here
  std::condition_variable done_cv;  // ForceFlush and Shutdown wait here

  // A preallocated ring, so that a push never allocates. GUARDED_BY(mu), all below.
  std::vector<std::unique_ptr<Record>> ring;
  size_t head = 0;
  size_t size = 0;
  SteadyClock::time_point oldest;  // when the queue last went from empty to non-empty

  uint64_t queued = 0;     // accepted by Push
  uint64_t taken = 0;      // moved out of the ring by the worker
  uint64_t completed = 0;  // export returned, or discarded at shutdown
  uint64_t dropped = 0;
  uint64_t exported = 0;
  uint64_t failures = 0;
  uint64_t flush_target = 0;  // ForceFlush: export until taken reaches this
  uint64_t dropped_reported = 0;

  bool exporting = false;     // the worker is inside Export (the lock released)
  bool fork_pending = false;  // PrepareFork: start no export until the fork is done
  bool stop = false;  // Shutdown requested; Push refuses records
  SteadyClock::time_point stop_deadline;
  bool discarded = false;    // records left unexported at the shutdown deadline
  bool worker_done = false;  // exporter shut down, thread about to return
  bool abandoned = false;    // Shutdown gave up waiting for the worker
  bool no_thread = false;    // the worker could not be started
};

// Longest PrepareFork waits for an export in flight.
constexpr std::chrono::milliseconds kForkQuiesce{1000};

template <typename Record, typename Exporter>
Status BatchProcessor<Record, Exporter>::State::SafeExport(const Batch& batch,
                                                           SteadyClock::time_point deadline) {
  // Exporters report errors as values; a throwing one must not terminate the process.
  try {
    return exporter->Export(batch, deadline);
  } catch (const std::exception& e) {
    return InternalError(std::string("exporter threw: ") + e.what());
  } catch (...) {
    return InternalError("exporter threw");
  }
}

template <typename Record, typename Exporter>
void BatchProcessor<Record, Exporter>::State::Run() {
  Batch batch;
  batch.reserve(options.max_export_batch);
  const size_t partial_drain = std::min(half, options.max_export_batch);
  std::unique_lock<std::mutex> lock(mu);
  for (;;) {
    if (dropped != dropped_reported && options.diagnostics) {
      std::string message = Count(dropped - dropped_reported) +
                            " dropped: the export queue (" +
                            std::to_string(options.max_queue) + ") was full";
      dropped_reported = dropped;
      lock.unlock();
      Report("queue_full", message);
      lock.lock();
    }

    bool timer_expired = false;
    for (;;) {
      if (stop || flush_target > taken || size >= half) break;
      if (size == 0) {
        work_cv.wait(lock);  // Push wakes us when the queue becomes non-empty
        continue;
      }
      const auto due = oldest + options.schedule_delay;
      if (SteadyClock::now() >= due) {
        timer_expired = true;
        break;
      }
      work_cv.wait_until(lock, due);
    }

    // Half-capacity wake-ups export full batches only; everything else empties the queue.
    const bool drain_all = stop || flush_target > taken || timer_expired;
    while (size > 0 && (drain_all || size >= partial_drain)) {
      // A fork is being prepared: the child must not inherit a transport in mid-call.
      while (fork_pending) work_cv.wait(lock);
      const size_t n = std::min(size, options.max_export_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(ring[head]));
        head = (head + 1) % ring.size();
      }
      size -= n;
      taken += n;

      const auto now = SteadyClock::now();
      auto deadline = now + options.export_timeout;
      if (stop) {
        if (now >= stop_deadline) {  // out of time: count the rest as dropped
          dropped += n;
          completed += n;
          dropped_reported += n;
          discarded = true;
          batch.clear();
          done_cv.notify_all();
          continue;
        }
        deadline = std::min(deadline, stop_deadline);
      }

      exporting = true;
      lock.unlock();
      Status status = SafeExport(batch, deadline);
      batch.clear();  // frees the records outside the lock
      if (!status.ok()) {
        Report("export_failed", "export of " + Count(n) + " failed: " + status.ToString());
      }
      lock.lock();
      exporting = false;
      completed += n;
      (status.ok() ? exported : failures) += n;
      done_cv.notify_all();
    }
    if (stop && size == 0) break;
  }
  const auto deadline = stop_deadline;
  lock.unlock();
  exporter->Shutdown(deadline);
  lock.lock();
  worker_done = true;
  done_cv.notify_all();
}

template <typename Record, typename Exporter>
BatchProcessor<Record, Exporter>::BatchProcessor(std::unique_ptr<Exporter> exporter,
                                                 BatchOptions options, BatchLabels labels)
    : state_(std::make_shared<State>(std::move(exporter), options, labels)) {
  StartWorker();
}

template <typename Record, typename Exporter>
void BatchProcessor<Record, Exporter>::StartWorker() {
  std::shared_ptr<State> state = state_;
  try {
    worker_ = std::thread([state] { state->Run(); });
  } catch (const std::system_error& e) {
    // No thread, no export: refuse records (counted as dropped) rather than queue forever.
    std::lock_guard<std::mutex> lock(state->mu);
    state->stop = true;
    state->worker_done = true;
    state->no_thread = true;
    state->Report("no_thread", std::string("cannot start the export thread: ") + e.what());
  }
}

template <typename Record, typename Exporter>
BatchProcessor<Record, Exporter>::~BatchProcessor() {
  Shutdown(SteadyClock::now() + state_->options.export_timeout);
}

template <typename Record, typename Exporter>
bool BatchProcessor<Record, Exporter>::Push(std::unique_ptr<Record> record) {
  if (!record) return false;
  State& s = *state_;
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stop || s.size == s.ring.size()) {
      ++s.dropped;
      return false;  // the record is freed after the lock is released
    }
    s.ring[(s.head + s.size) % s.ring.size()] = std::move(record);
    ++s.size;
    ++s.queued;
    if (s.size == 1) {
      s.oldest = SteadyClock::now();
      wake = true;  // the worker sleeps without a timeout while the queue is empty
    } else if (s.size == s.half) {
      wake = true;
    }
  }
  if (wake) s.work_cv.notify_one();
  return true;
}

template <typename Record, typename Exporter>
bool BatchProcessor<Record, Exporter>::ForceFlush(SteadyClock::time_point deadline) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  const uint64_t target = s.queued;
  if (s.completed >= target) return true;
  if (s.worker_done || s.abandoned) return false;
  // "Went out" means exported: a batch that fails while we wait makes the flush fail. Batches
  // are taken in order, so a failure after `target` can only make the answer conservative.
  // (Drops are not counted: a full queue refuses records that arrived after this call.)
  const uint64_t failures_before = s.failures;
  if (s.flush_target < target) {
    s.flush_target = target;
    s.work_cv.notify_one();
  }
  s.done_cv.wait_until(lock, deadline, [&] { return s.completed >= target || s.worker_done; });
  return s.completed >= target && s.failures == failures_before;
}

template <typename Record, typename Exporter>
bool BatchProcessor<Record, Exporter>::Shutdown(SteadyClock::time_point deadline) {
  const bool first = !shutdown_started_.exchange(true);
  std::shared_ptr<State> s = state_;
  bool finished;
  {
    std::unique_lock<std::mutex> lock(s->mu);
    if (first) {
      s->stop = true;
      s->stop_deadline = deadline;
      s->work_cv.notify_one();
    } else if (s->abandoned) {
      return false;
    }
    finished = s->done_cv.wait_until(lock, deadline, [&] { return s->worker_done; });
    if (first && !finished) s->abandoned = true;
    finished = finished && !s->discarded;
  }
  if (first && s->no_thread && s->exporter) s->exporter->Shutdown(deadline);
  if (first && worker_.joinable()) {
    // A worker that is done only has to return; one stuck in Export is left to finish on its
    // own: it co-owns the state, and its Export was given a deadline no later than ours.
    if (s->abandoned) {
      worker_.detach();
    } else {
      worker_.join();
    }
  }
  return finished;
}

template <typename Record, typename Exporter>
ProcessorStats BatchProcessor<Record, Exporter>::Stats() const {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  return ProcessorStats{s.queued, s.dropped, s.exported, s.failures};
}

template <typename Record, typename Exporter>
void BatchProcessor<Record, Exporter>::PrepareFork() {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  // Let an export in flight finish (a child inheriting a gRPC call in progress cannot use
  // gRPC), but never hold up the fork for long: a stalled collector only costs the wait.
  s.fork_pending = true;
  s.done_cv.wait_for(lock, kForkQuiesce, [&s] { return !s.exporting; });
  lock.release();  // held across fork(); released by AfterForkParent / AfterForkChild
}

template <typename Record, typename Exporter>
void BatchProcessor<Record, Exporter>::AfterForkParent() {
  state_->fork_pending = false;
  state_->mu.unlock();
  state_->work_cv.notify_all();
}

template <typename Record, typename Exporter>
void BatchProcessor<Record, Exporter>::AfterForkChild() {
  // Only this thread exists now. The parent's worker does not, yet its std::thread handle is
  // joinable and the old condition variables may count it as a waiter: neither can be joined,
  // destroyed or waited on safely, so both are leaked on purpose (a few hundred bytes).
  if (worker_.joinable()) new std::thread(std::move(worker_));
  std::shared_ptr<State> old = state_;
  new std::shared_ptr<State>(old);
  // We hold old->mu since PrepareFork, so the ring is consistent. The parent exports these
  // records; exporting them here as well would duplicate them.
  old->DiscardQueued();
  if (old->stop) {
    // Shut down (or shutting down) in the parent: stay shut down. Nobody will ever signal the
    // old condition variables, so make every wait on them end by its predicate.
    old->worker_done = true;
    old->abandoned = true;
    old->mu.unlock();
    return;
  }
  auto fresh = std::make_shared<State>(std::move(old->exporter), old->options, old->labels);
  old->mu.unlock();
  state_ = fresh;
  if (fresh->exporter) fresh->exporter->AfterForkChild();
  StartWorker();
}

// The record/exporter pairs of this SDK.
template class BatchProcessor<SpanData, SpanExporter>;
template class BatchProcessor<LogRecordData, LogRecordExporter>;

}  // namespace ptx
