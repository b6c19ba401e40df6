#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ptx/sdk/metrics/meter_provider.h"
#include "ptx/sdk/metrics/periodic_exporting_metric_reader.h"

namespace ptx {
namespace {

using namespace std::chrono_literals;

// What the fake exporter saw; shared so that it outlives the reader that owns the exporter.
struct MetricLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::vector<ScopeMetrics>> exports;
  std::vector<SteadyClock::time_point> deadlines;
  Status status;        // returned by Export
  bool hang = false;    // wait for the deadline, then fail
  bool shutdown_called = false;
  int after_fork_child_calls = 0;

  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return exports.size();
  }
  template <typename Pred>
  bool WaitFor(std::chrono::milliseconds timeout, Pred pred) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, pred);
  }
};

class FakeMetricExporter : public MetricExporter {
 public:
  explicit FakeMetricExporter(std::shared_ptr<MetricLog> log) : log_(std::move(log)) {}
  Status Export(const std::vector<ScopeMetrics>& metrics,
                SteadyClock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(log_->mu);
    log_->deadlines.push_back(deadline);
    if (log_->hang) {
      log_->cv.wait_until(lock, deadline, [] { return false; });
      return DeadlineExceededError("hung");
    }
    if (log_->status.ok()) log_->exports.push_back(metrics);
    log_->cv.notify_all();
    return log_->status;
  }
  void Shutdown(SteadyClock::time_point deadline) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    log_->shutdown_called = true;
  }
  void AfterForkChild() override { ++log_->after_fork_child_calls; }

 private:
  std::shared_ptr<MetricLog> log_;
};

struct Diagnostics {
  std::mutex mu;
  std::vector<std::string> messages;
};

struct Fixture {
  explicit Fixture(std::chrono::milliseconds interval,
                   TemporalityPreference t = TemporalityPreference::kCumulative) {
    PeriodicReaderOptions o;
    o.export_interval = interval;
    o.export_timeout = 2s;
    o.temporality = t;
    // Shared: an abandoned worker may report after the fixture is gone.
    o.diagnostics = [d = diags](std::string_view key, std::string_view message) {
      std::lock_guard<std::mutex> lock(d->mu);
      d->messages.emplace_back(std::string(key) + ": " + std::string(message));
    };
    auto r = std::make_unique<PeriodicExportingMetricReader>(
        std::make_unique<FakeMetricExporter>(log), o);
    reader = r.get();
    std::vector<std::unique_ptr<MetricReader>> readers;
    readers.push_back(std::move(r));
    provider = std::make_unique<MeterProvider>(MeterProviderOptions{}, std::move(readers));
    counter = provider->GetMeter("app").CreateCounter("c").value();
  }

  std::shared_ptr<MetricLog> log = std::make_shared<MetricLog>();
  std::shared_ptr<Diagnostics> diags = std::make_shared<Diagnostics>();
  PeriodicExportingMetricReader* reader;
  std::unique_ptr<MeterProvider> provider;
  Counter counter;
};

int64_t CounterValue(const std::vector<ScopeMetrics>& metrics) {
  for (const auto& s : metrics) {
    for (const auto& m : s.metrics) {
      if (m.name == "c" && !m.number_points.empty()) {
        return std::get<int64_t>(m.number_points[0].value);
      }
    }
  }
  return -1;
}

TEST(PeriodicExportingMetricReaderTest, ExportsEveryInterval) {
  Fixture f(30ms);
  ASSERT_TRUE(f.counter.Add(int64_t{4}).ok());
  ASSERT_TRUE(f.log->WaitFor(5s, [&] { return f.log->exports.size() >= 2; }));
  std::lock_guard<std::mutex> lock(f.log->mu);
  EXPECT_EQ(CounterValue(f.log->exports[0]), 4);
  EXPECT_EQ(CounterValue(f.log->exports[1]), 4);  // cumulative
}

TEST(PeriodicExportingMetricReaderTest, ForceFlushCollectsAndExportsNow) {
  Fixture f(1h, TemporalityPreference::kDelta);
  ASSERT_TRUE(f.counter.Add(int64_t{3}).ok());
  auto start = SteadyClock::now();
  EXPECT_TRUE(f.provider->ForceFlush(SteadyClock::now() + 5s));
  EXPECT_LT(SteadyClock::now() - start, 2s);
  ASSERT_EQ(f.log->count(), 1u);
  // Nothing new in the delta interval: nothing to send, still a success.
  EXPECT_TRUE(f.reader->ForceFlush(SteadyClock::now() + 5s));
  EXPECT_EQ(f.log->count(), 1u);
  ASSERT_TRUE(f.counter.Add(int64_t{2}).ok());
  EXPECT_TRUE(f.reader->ForceFlush(SteadyClock::now() + 5s));
  std::lock_guard<std::mutex> lock(f.log->mu);
  ASSERT_EQ(f.log->exports.size(), 2u);
  EXPECT_EQ(CounterValue(f.log->exports[0]), 3);
  EXPECT_EQ(CounterValue(f.log->exports[1]), 2);
  MetricReaderStats stats = f.reader->Stats();
  EXPECT_EQ(stats.exports, 2u);
  EXPECT_EQ(stats.exported_points, 2u);  // one counter point per export
  EXPECT_EQ(stats.failed_points, 0u);
}

TEST(PeriodicExportingMetricReaderTest, ShutdownExportsOnceMoreThenStops) {
  Fixture f(1h);
  ASSERT_TRUE(f.counter.Add(int64_t{9}).ok());
  EXPECT_TRUE(f.provider->Shutdown(SteadyClock::now() + 5s));
  {
    std::lock_guard<std::mutex> lock(f.log->mu);
    ASSERT_EQ(f.log->exports.size(), 1u);
    EXPECT_EQ(CounterValue(f.log->exports[0]), 9);
    EXPECT_TRUE(f.log->shutdown_called);
  }
  EXPECT_TRUE(f.reader->Collect().empty());
  EXPECT_FALSE(f.reader->ForceFlush(SteadyClock::now() + 1s));
  EXPECT_TRUE(f.provider->Shutdown(SteadyClock::now() + 1s));  // idempotent
  EXPECT_TRUE(f.counter.Add(int64_t{1}).ok());                  // handles stay usable
}

TEST(PeriodicExportingMetricReaderTest, FailedExportsAreReported) {
  Fixture f(1h);
  f.log->status = UnavailableError("collector down");
  ASSERT_TRUE(f.counter.Add(int64_t{1}).ok());
  EXPECT_FALSE(f.reader->ForceFlush(SteadyClock::now() + 5s));
  MetricReaderStats stats = f.reader->Stats();
  EXPECT_EQ(stats.failed_exports, 1u);
  EXPECT_EQ(stats.failed_points, 1u);
  EXPECT_EQ(stats.exported_points, 0u);
  std::lock_guard<std::mutex> lock(f.diags->mu);
  ASSERT_EQ(f.diags->messages.size(), 1u);
  EXPECT_NE(f.diags->messages[0].find("collector down"), std::string::npos);
}

TEST(PeriodicExportingMetricReaderTest, ShutdownIsBoundedByItsDeadline) {
  Fixture f(1h);
  f.log->hang = true;
  ASSERT_TRUE(f.counter.Add(int64_t{1}).ok());
  auto start = SteadyClock::now();
  EXPECT_FALSE(f.reader->Shutdown(SteadyClock::now() + 200ms));
  EXPECT_LT(SteadyClock::now() - start, 1500ms);
  std::lock_guard<std::mutex> lock(f.log->mu);
  ASSERT_EQ(f.log->deadlines.size(), 1u);
  EXPECT_LE(f.log->deadlines[0], start + 250ms);
}

// The callback stands for a Python callback taking the GIL: while another thread holds that
// lock, the callback waits, and the holder must still be able to use the SDK.
TEST(PeriodicExportingMetricReaderTest, CallbacksRunWithoutSdkLocks) {
  Fixture f(1h);
  Meter meter = f.provider->GetMeter("app");
  std::mutex gil;
  std::atomic<int> calls{0};
  ASSERT_TRUE(meter
                  .CreateObservableGauge("g", {[&](std::vector<Observation>* out) {
                                           std::lock_guard<std::mutex> lock(gil);
                                           ++calls;
                                           out->push_back({int64_t{1}, {}});
                                           return Status::Ok();
                                         }})
                  .ok());
  std::unique_lock<std::mutex> held(gil);
  std::atomic<bool> flushed{false};
  std::thread flusher([&] { flushed = f.reader->ForceFlush(SteadyClock::now() + 10s); });
  std::this_thread::sleep_for(100ms);  // the worker is now inside the callback, waiting
  ASSERT_TRUE(f.counter.Add(int64_t{1}, {{"k", std::string("v")}}).ok());
  ASSERT_TRUE(meter.CreateHistogram("h").ok());
  (void)f.provider->Stats();
  auto other = f.provider->GetMeter("other").CreateCounter("x");
  ASSERT_TRUE(other.ok());
  held.unlock();
  flusher.join();
  EXPECT_TRUE(flushed);
  EXPECT_EQ(calls.load(), 1);
}

TEST(PeriodicExportingMetricReaderTest, ForkedChildGetsAFreshWorkerAndEmptyAggregations) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer cannot follow threads started after a multi-threaded fork";
#endif
  Fixture f(1h);
  ASSERT_TRUE(f.counter.Add(int64_t{100}).ok());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  f.provider->PrepareFork();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    f.provider->AfterForkChild();
    close(fds[0]);
    (void)f.counter.Add(int64_t{7});
    const bool flushed = f.provider->ForceFlush(SteadyClock::now() + 5s);
    std::string report;
    {
      std::lock_guard<std::mutex> lock(f.log->mu);
      report = "exports=" + std::to_string(f.log->exports.size()) +
               "|value=" + std::to_string(CounterValue(f.log->exports.back())) +
               "|flushed=" + std::to_string(flushed) +
               "|fork_hook=" + std::to_string(f.log->after_fork_child_calls);
    }
    report += "|shutdown=" + std::to_string(f.provider->Shutdown(SteadyClock::now() + 5s));
    ssize_t ignored = write(fds[1], report.data(), report.size());
    (void)ignored;
    close(fds[1]);
    _exit(0);
  }
  f.provider->AfterForkParent();
  close(fds[1]);
  std::string report;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) report.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(report, "exports=1|value=7|flushed=1|fork_hook=1|shutdown=1");

  EXPECT_TRUE(f.provider->ForceFlush(SteadyClock::now() + 5s));
  std::lock_guard<std::mutex> lock(f.log->mu);
  ASSERT_EQ(f.log->exports.size(), 1u);
  EXPECT_EQ(CounterValue(f.log->exports[0]), 100);
}

TEST(PeriodicExportingMetricReaderTest, OptionsFromEnvironment) {
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "1500", 1);
  setenv("OTEL_METRIC_EXPORT_TIMEOUT", "700", 1);
  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "LowMemory", 1);
  PeriodicReaderOptions o = PeriodicReaderOptionsFromEnv({});
  EXPECT_EQ(o.export_interval, 1500ms);
  EXPECT_EQ(o.export_timeout, 700ms);
  EXPECT_EQ(o.temporality, TemporalityPreference::kLowMemory);
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "soon", 1);
  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "weekly", 1);
  o = PeriodicReaderOptionsFromEnv({});
  EXPECT_EQ(o.export_interval, 60000ms);
  EXPECT_EQ(o.temporality, TemporalityPreference::kCumulative);
  unsetenv("OTEL_METRIC_EXPORT_INTERVAL");
  unsetenv("OTEL_METRIC_EXPORT_TIMEOUT");
  unsetenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE");
}

}  // namespace
}  // namespace ptx
