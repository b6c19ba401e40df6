#include "ptx/sdk/metrics/periodic_exporting_metric_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "provider_core.h"

namespace ptx {
namespace {

bool ReadMillis(const char* name, long long* out) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v < '0' || *v > '9') return false;
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = n;
  return true;
}

PeriodicReaderOptions Normalize(PeriodicReaderOptions o) {
  constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 365);
  o.export_interval = std::clamp(o.export_interval, std::chrono::milliseconds(1), kMaxDuration);
  o.export_timeout = std::clamp(o.export_timeout, std::chrono::milliseconds(0), kMaxDuration);
  return o;
}

}  // namespace

PeriodicReaderOptions PeriodicReaderOptionsFromEnv(PeriodicReaderOptions o) {
  long long n = 0;
  if (ReadMillis("OTEL_METRIC_EXPORT_INTERVAL", &n) && n > 0) {
    o.export_interval = std::chrono::milliseconds(n);
  }
  if (ReadMillis("OTEL_METRIC_EXPORT_TIMEOUT", &n)) o.export_timeout = std::chrono::milliseconds(n);
  if (const char* v = std::getenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE")) {
    std::string s(v);
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (s == "cumulative") o.temporality = TemporalityPreference::kCumulative;
    if (s == "delta") o.temporality = TemporalityPreference::kDelta;
    if (s == "lowmemory") o.temporality = TemporalityPreference::kLowMemory;
  }
  return o;
}

// Everything the worker touches, co-owned by the reader and the worker.
struct PeriodicExportingMetricReader::State {
  State(std::unique_ptr<MetricExporter> e, const PeriodicReaderOptions& o,
        std::shared_ptr<metrics_internal::ReaderLink> l)
      : options(Normalize(o)), exporter(std::move(e)), link(std::move(l)) {}

  void Run();
  bool CollectAndExport(SteadyClock::time_point deadline);
  void Report(std::string_view key, std::string_view message) {
    if (options.diagnostics) options.diagnostics(key, message);
  }

  const PeriodicReaderOptions options;
  std::unique_ptr<MetricExporter> exporter;  // used by the worker only
  const std::shared_ptr<metrics_internal::ReaderLink> link;

  std::mutex mu;
  std::condition_variable work_cv;  // the worker waits here
  std::condition_variable done_cv;  // ForceFlush and Shutdown wait here
  // GUARDED_BY(mu), all below.
  uint64_t flush_requested = 0;  // ForceFlush calls so far
  uint64_t flush_done = 0;       // flush requests served by a finished cycle
  bool flush_ok = true;          // result of the cycle that last served a flush
  uint64_t exports = 0;
  uint64_t failed_exports = 0;
  uint64_t exported_points = 0;
  uint64_t failed_points = 0;
  bool stop = false;
  SteadyClock::time_point stop_deadline;
  bool final_ok = true;
  bool worker_done = false;
  bool abandoned = false;
  bool no_thread = false;
};

bool PeriodicExportingMetricReader::State::CollectAndExport(SteadyClock::time_point deadline) {
  std::vector<ScopeMetrics> metrics = link->Collect();
  if (metrics.empty()) return true;
  uint64_t points = 0;
  for (const ScopeMetrics& scope : metrics) {
    for (const MetricData& metric : scope.metrics) {
      points += metric.number_points.size() + metric.histogram_points.size();
    }
  }
  Status status;
  try {
    status = exporter ? exporter->Export(metrics, deadline)
                      : Status(StatusCode::kFailedPrecondition, "no exporter");
  } catch (const std::exception& e) {
    status = InternalError(std::string("exporter threw: ") + e.what());
  } catch (...) {
    status = InternalError("exporter threw");
  }
  if (!status.ok()) Report("metrics.export_failed", "metric export failed: " + status.ToString());
  std::lock_guard<std::mutex> lock(mu);
  (status.ok() ? exports : failed_exports) += 1;
  (status.ok() ? exported_points : failed_points) += points;
  return status.ok();
}

void PeriodicExportingMetricReader::State::Run() {
  std::unique_lock<std::mutex> lock(mu);
  auto next = SteadyClock::now() + options.export_interval;
  for (;;) {
    work_cv.wait_until(lock, next, [&] {
      return stop || flush_requested > flush_done || SteadyClock::now() >= next;
    });
    if (stop) break;
    const uint64_t serving = flush_requested;
    next = SteadyClock::now() + options.export_interval;
    lock.unlock();
    const bool ok = CollectAndExport(SteadyClock::now() + options.export_timeout);
    lock.lock();
    if (serving > flush_done) {
      flush_done = serving;
      flush_ok = ok;
      done_cv.notify_all();
    }
  }
  // The last collection, bounded by Shutdown's deadline.
  const auto deadline = stop_deadline;
  const uint64_t serving = flush_requested;
  lock.unlock();
  bool ok = false;
  if (SteadyClock::now() < deadline) {
    ok = CollectAndExport(std::min(deadline, SteadyClock::now() + options.export_timeout));
  }
  if (exporter) exporter->Shutdown(deadline);
  lock.lock();
  final_ok = ok;
  if (serving > flush_done) {
    flush_done = serving;
    flush_ok = ok;
  }
  worker_done = true;
  done_cv.notify_all();
}

PeriodicExportingMetricReader::PeriodicExportingMetricReader(
    std::unique_ptr<MetricExporter> exporter, PeriodicReaderOptions options)
    : MetricReader(options.temporality),
      state_(std::make_shared<State>(std::move(exporter), options, link())) {
  StartWorker();
}

void PeriodicExportingMetricReader::StartWorker() {
  std::shared_ptr<State> state = state_;
  try {
    worker_ = std::thread([state] { state->Run(); });
  } catch (const std::system_error& e) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->stop = true;
    state->worker_done = true;
    state->no_thread = true;
    state->Report("metrics.no_thread",
                  std::string("cannot start the metric export thread: ") + e.what());
  }
}

PeriodicExportingMetricReader::~PeriodicExportingMetricReader() {
  Shutdown(SteadyClock::now() + state_->options.export_timeout);
}

bool PeriodicExportingMetricReader::ForceFlush(SteadyClock::time_point deadline) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  if (s.stop || s.worker_done || s.abandoned) return false;
  const uint64_t target = ++s.flush_requested;
  s.work_cv.notify_one();
  s.done_cv.wait_until(lock, deadline, [&] { return s.flush_done >= target || s.worker_done; });
  return s.flush_done >= target && s.flush_ok;
}

bool PeriodicExportingMetricReader::Shutdown(SteadyClock::time_point deadline) {
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
    finished = finished && s->final_ok;
  }
  if (first && s->no_thread && s->exporter) s->exporter->Shutdown(deadline);
  if (first && worker_.joinable()) {
    if (s->abandoned) {
      worker_.detach();
    } else {
      worker_.join();
    }
  }
  if (first) (void)MetricReader::Shutdown(deadline);
  return finished;
}

MetricReaderStats PeriodicExportingMetricReader::Stats() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return MetricReaderStats{state_->exports, state_->failed_exports, state_->exported_points,
                           state_->failed_points};
}

void PeriodicExportingMetricReader::PrepareFork() {
  state_->mu.lock();
  MetricReader::PrepareFork();
}

void PeriodicExportingMetricReader::AfterForkParent() {
  MetricReader::AfterForkParent();
  state_->mu.unlock();
}

void PeriodicExportingMetricReader::AfterForkChild() {
  MetricReader::AfterForkChild();
  // Only this thread exists now: the parent's worker handle and condition variables can be
  // neither joined nor destroyed safely, so both are leaked on purpose.
  if (worker_.joinable()) new std::thread(std::move(worker_));
  std::shared_ptr<State> old = state_;
  new std::shared_ptr<State>(old);
  if (old->stop) {
    old->worker_done = true;
    old->abandoned = true;
    old->mu.unlock();
    return;
  }
  auto fresh = std::make_shared<State>(std::move(old->exporter), old->options, link());
  old->mu.unlock();
  state_ = fresh;
  if (fresh->exporter) fresh->exporter->AfterForkChild();
  StartWorker();
}

}  // namespace ptx
