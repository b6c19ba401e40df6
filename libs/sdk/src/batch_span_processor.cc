#include "ptx/sdk/batch_span_processor.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

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

bool ReadMillisOrCount(const char* name, long long* out) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v < '0' || *v > '9') return false;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = n;
  return true;
}

}  // namespace

BatchOptions BatchOptionsFromEnv(BatchOptions o) {
  long long n = 0;
  if (ReadMillisOrCount("OTEL_BSP_MAX_QUEUE_SIZE", &n) && n > 0) o.max_queue = n;
  if (ReadMillisOrCount("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", &n) && n > 0) o.max_export_batch = n;
  if (ReadMillisOrCount("OTEL_BSP_SCHEDULE_DELAY", &n)) o.schedule_delay = std::chrono::milliseconds(n);
  if (ReadMillisOrCount("OTEL_BSP_EXPORT_TIMEOUT", &n)) o.export_timeout = std::chrono::milliseconds(n);
  return o;
}

// Everything the worker thread touches. Co-owned by the processor and the worker, so an
// abandoned worker never touches freed memory.
struct BatchSpanProcessor::State {
  State(std::unique_ptr<SpanExporter> e, const BatchOptions& o)
      : options(Normalize(o)),
        half(std::max<size_t>(options.max_queue / 2, 1)),
        exporter(std::move(e)),
        ring(options.max_queue) {}

  void Run();
  Status SafeExport(const SpanBatch& batch, SteadyClock::time_point deadline);
  void Report(std::string_view key, std::string_view message) {
    if (options.diagnostics) options.diagnostics(key, message);
  }
  void DiscardQueued() {  // with mu held
    for (size_t i = 0; i < size; ++i) ring[(head + i) % ring.size()].reset();
    head = size = 0;
  }

  const BatchOptions options;
  const size_t half;  // wake-up threshold
  // Used by the worker thread only (moved to a fresh State after fork).
  std::unique_ptr<SpanExporter> exporter;

  std::mutex mu;
  std::condition_variable work_cv;  // the worker waits here
  std::condition_variable done_cv;  // ForceFlush and Shutdown wait here

  // A preallocated ring, so that a push never allocates. GUARDED_BY(mu), all below.
  std::vector<std::unique_ptr<SpanData>> ring;
  size_t head = 0;
  size_t size = 0;
  SteadyClock::time_point oldest;  // when the queue last went from empty to non-empty

  uint64_t queued = 0;     // accepted by OnEnd
  uint64_t taken = 0;      // moved out of the ring by the worker
  uint64_t completed = 0;  // export returned, or discarded at shutdown
  uint64_t dropped = 0;
  uint64_t exported = 0;
  uint64_t failures = 0;
  uint64_t flush_target = 0;  // ForceFlush: export until taken reaches this
  uint64_t dropped_reported = 0;

  bool stop = false;  // Shutdown requested; OnEnd refuses spans
  SteadyClock::time_point stop_deadline;
  bool discarded = false;    // spans left unexported at the shutdown deadline
  bool worker_done = false;  // exporter shut down, thread about to return
  bool abandoned = false;    // Shutdown gave up waiting for the worker
  bool no_thread = false;    // the worker could not be started
};

Status BatchSpanProcessor::State::SafeExport(const SpanBatch& batch,
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

void BatchSpanProcessor::State::Run() {
  SpanBatch batch;
  batch.reserve(options.max_export_batch);
  const size_t partial_drain = std::min(half, options.max_export_batch);
  std::unique_lock<std::mutex> lock(mu);
  for (;;) {
    if (dropped != dropped_reported && options.diagnostics) {
      std::string message = std::to_string(dropped - dropped_reported) +
                            " span(s) dropped: the export queue (" +
                            std::to_string(options.max_queue) + ") was full";
      dropped_reported = dropped;
      lock.unlock();
      Report("bsp.queue_full", message);
      lock.lock();
    }

    bool timer_expired = false;
    for (;;) {
      if (stop || flush_target > taken || size >= half) break;
      if (size == 0) {
        work_cv.wait(lock);  // OnEnd wakes us when the queue becomes non-empty
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

      lock.unlock();
      Status status = SafeExport(batch, deadline);
      batch.clear();  // frees the spans outside the lock
      if (!status.ok()) {
        Report("bsp.export_failed",
               "export of " + std::to_string(n) + " span(s) failed: " + status.ToString());
      }
      lock.lock();
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

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter,
                                       BatchOptions options)
    : state_(std::make_shared<State>(std::move(exporter), options)) {
  StartWorker();
}

void BatchSpanProcessor::StartWorker() {
  std::shared_ptr<State> state = state_;
  try {
    worker_ = std::thread([state] { state->Run(); });
  } catch (const std::system_error& e) {
    // No thread, no export: refuse spans (counted as dropped) rather than queue forever.
    std::lock_guard<std::mutex> lock(state->mu);
    state->stop = true;
    state->worker_done = true;
    state->no_thread = true;
    state->Report("bsp.no_thread",
                  std::string("cannot start the export thread: ") + e.what());
  }
}

BatchSpanProcessor::~BatchSpanProcessor() {
  Shutdown(SteadyClock::now() + state_->options.export_timeout);
}

void BatchSpanProcessor::OnEnd(std::unique_ptr<SpanData> span) {
  if (!span) return;
  State& s = *state_;
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stop || s.size == s.ring.size()) {
      ++s.dropped;
      return;  // the span is freed after the lock is released
    }
    s.ring[(s.head + s.size) % s.ring.size()] = std::move(span);
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
}

bool BatchSpanProcessor::ForceFlush(SteadyClock::time_point deadline) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  const uint64_t target = s.queued;
  if (s.completed >= target) return true;
  if (s.worker_done || s.abandoned) return false;
  // "Went out" means exported: a batch that fails while we wait makes the flush fail. Batches
  // are taken in order, so a failure after `target` can only make the answer conservative.
  // (Drops are not counted: a full queue refuses spans that arrived after this call.)
  const uint64_t failures_before = s.failures;
  if (s.flush_target < target) {
    s.flush_target = target;
    s.work_cv.notify_one();
  }
  s.done_cv.wait_until(lock, deadline, [&] { return s.completed >= target || s.worker_done; });
  return s.completed >= target && s.failures == failures_before;
}

bool BatchSpanProcessor::Shutdown(SteadyClock::time_point deadline) {
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

ProcessorStats BatchSpanProcessor::Stats() const {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  return ProcessorStats{s.queued, s.dropped, s.exported, s.failures};
}

void BatchSpanProcessor::PrepareFork() { state_->mu.lock(); }

void BatchSpanProcessor::AfterForkParent() { state_->mu.unlock(); }

void BatchSpanProcessor::AfterForkChild() {
  // Only this thread exists now. The parent's worker does not, yet its std::thread handle is
  // joinable and the old condition variables may count it as a waiter: neither can be joined,
  // destroyed or waited on safely, so both are leaked on purpose (a few hundred bytes).
  if (worker_.joinable()) new std::thread(std::move(worker_));
  std::shared_ptr<State> old = state_;
  new std::shared_ptr<State>(old);
  // We hold old->mu since PrepareFork, so the ring is consistent. The parent exports these
  // spans; exporting them here as well would duplicate them.
  old->DiscardQueued();
  if (old->stop) {
    // Shut down (or shutting down) in the parent: stay shut down. Nobody will ever signal the
    // old condition variables, so make every wait on them end by its predicate.
    old->worker_done = true;
    old->abandoned = true;
    old->mu.unlock();
    return;
  }
  auto fresh = std::make_shared<State>(std::move(old->exporter), old->options);
  old->mu.unlock();
  state_ = fresh;
  if (fresh->exporter) fresh->exporter->AfterForkChild();
  StartWorker();
}

}  // namespace ptx
