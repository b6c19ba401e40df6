// Fakes shared by the sdk tests: an in-memory exporter (the unit boundary of the batch
// processor), fixed samplers, a recording processor and an environment-variable guard.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ptx/sampling/sampler.h"
#include "ptx/sdk/exporter.h"
#include "ptx/sdk/span_processor.h"

namespace ptx::testing {

// What the fake exporter saw; shared so that tests can read it after the processor (which
// owns the exporter) is gone, and so that an abandoned worker never touches freed memory.
struct ExportLog {
  enum class Mode {
    kNormal,
    kBlock,              // wait until unblocked or the deadline
    kHangUntilDeadline,  // always wait for the deadline, then fail
    kIgnoreDeadline,     // sleep `ignore_for`, deadline or not
  };

  std::mutex mu;
  std::condition_variable cv;
  Mode mode = Mode::kNormal;
  std::chrono::milliseconds ignore_for{0};
  Status status;                                   // returned by Export in kNormal/kBlock
  std::vector<std::string> names;                  // span names, in export order
  std::vector<size_t> batch_sizes;
  std::vector<SteadyClock::time_point> deadlines;  // one per Export call
  int in_export = 0;
  int max_concurrent = 0;
  bool shutdown_called = false;
  SteadyClock::time_point shutdown_deadline;
  int after_fork_child_calls = 0;

  void SetMode(Mode m) {
    std::lock_guard<std::mutex> lock(mu);
    mode = m;
    cv.notify_all();
  }
  size_t exported_count() {
    std::lock_guard<std::mutex> lock(mu);
    return names.size();
  }
  // Waits until pred() holds (checked under mu) or `timeout` passes.
  template <typename Pred>
  bool WaitFor(std::chrono::milliseconds timeout, Pred pred) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, pred);
  }
};

class FakeExporter : public SpanExporter {
 public:
  explicit FakeExporter(std::shared_ptr<ExportLog> log) : log_(std::move(log)) {}

  Status Export(const SpanBatch& batch, SteadyClock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(log_->mu);
    ++log_->in_export;
    log_->max_concurrent = std::max(log_->max_concurrent, log_->in_export);
    log_->batch_sizes.push_back(batch.size());
    log_->deadlines.push_back(deadline);
    log_->cv.notify_all();
    Status result = log_->status;
    switch (log_->mode) {
      case ExportLog::Mode::kNormal:
        break;
      case ExportLog::Mode::kBlock:
        if (!log_->cv.wait_until(lock, deadline,
                                 [&] { return log_->mode != ExportLog::Mode::kBlock; })) {
          result = DeadlineExceededError("blocked past the deadline");
        }
        break;
      case ExportLog::Mode::kHangUntilDeadline:
        log_->cv.wait_until(lock, deadline, [] { return false; });
        result = DeadlineExceededError("hung until the deadline");
        break;
      case ExportLog::Mode::kIgnoreDeadline: {
        auto until = SteadyClock::now() + log_->ignore_for;
        log_->cv.wait_until(lock, until, [] { return false; });
        result = DeadlineExceededError("ignored the deadline");
        break;
      }
    }
    if (result.ok()) {
      for (const auto& span : batch) log_->names.push_back(span->name);
    }
    --log_->in_export;
    log_->cv.notify_all();
    return result;
  }

  void Shutdown(SteadyClock::time_point deadline) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    log_->shutdown_called = true;
    log_->shutdown_deadline = deadline;
    log_->cv.notify_all();
  }

  void AfterForkChild() override { ++log_->after_fork_child_calls; }

 private:
  std::shared_ptr<ExportLog> log_;
};

class FixedSampler : public Sampler {
 public:
  explicit FixedSampler(bool decision) : decision_(decision) {}
  bool ShouldSample(const SpanContext* parent, const TraceId& trace_id) const override {
    return decision_;
  }
  std::string Description() const override { return decision_ ? "AlwaysOn" : "AlwaysOff"; }

 private:
  bool decision_;
};

// Follows the parent's sampled flag; samples roots.
class FollowParentSampler : public Sampler {
 public:
  bool ShouldSample(const SpanContext* parent, const TraceId& trace_id) const override {
    return parent == nullptr || parent->sampled();
  }
  std::string Description() const override { return "FollowParent"; }
};

// Keeps every finished span; thread-safe.
class CollectingProcessor : public SpanProcessor {
 public:
  struct Sink {
    std::mutex mu;
    std::vector<std::unique_ptr<SpanData>> spans;
    int started = 0;
    bool shutdown = false;
  };
  explicit CollectingProcessor(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}

  void OnStart(const SpanData& span) override {
    std::lock_guard<std::mutex> lock(sink_->mu);
    ++sink_->started;
  }
  void OnEnd(std::unique_ptr<SpanData> span) override {
    std::lock_guard<std::mutex> lock(sink_->mu);
    if (!sink_->shutdown) sink_->spans.push_back(std::move(span));
  }
  bool ForceFlush(SteadyClock::time_point) override { return true; }
  bool Shutdown(SteadyClock::time_point) override {
    std::lock_guard<std::mutex> lock(sink_->mu);
    sink_->shutdown = true;
    return true;
  }

 private:
  std::shared_ptr<Sink> sink_;
};

// Sets (or unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = getenv(name)) old_ = std::string(old);
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

inline std::unique_ptr<SpanData> NamedSpan(std::string name) {
  auto span = std::make_unique<SpanData>();
  span->name = std::move(name);
  return span;
}

}  // namespace ptx::testing
