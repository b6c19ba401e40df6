// The batch log record processor: the generic BatchProcessor engine over a LogRecordExporter.
// (The engine's edge cases are covered once, through BatchSpanProcessor, in
// batch_span_processor_test.cc; here the log-specific wiring and the main properties.)
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "ptx/sdk/logs/log_record_processor.h"
#include "test_util.h"

namespace ptx {
namespace {

using namespace std::chrono_literals;
using testing::ExportLog;

// Records each exported record's body (a string) in ExportLog::names.
class FakeLogExporter : public LogRecordExporter {
 public:
  explicit FakeLogExporter(std::shared_ptr<ExportLog> log) : log_(std::move(log)) {}

  Status Export(const LogBatch& batch, SteadyClock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(log_->mu);
    ++log_->in_export;
    log_->max_concurrent = std::max(log_->max_concurrent, log_->in_export);
    log_->batch_sizes.push_back(batch.size());
    log_->deadlines.push_back(deadline);
    log_->cv.notify_all();
    Status result = log_->status;
    if (log_->mode == ExportLog::Mode::kBlock &&
        !log_->cv.wait_until(lock, deadline,
                             [&] { return log_->mode != ExportLog::Mode::kBlock; })) {
      result = DeadlineExceededError("blocked past the deadline");
    }
    if (result.ok()) {
      for (const auto& r : batch) log_->names.push_back(std::get<std::string>(*r->body));
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

std::unique_ptr<LogRecordData> Log(std::string body) {
  auto r = std::make_unique<LogRecordData>();
  r->body = std::move(body);
  return r;
}

BatchOptions Opts(size_t queue, size_t batch, std::chrono::milliseconds delay = 1h) {
  BatchOptions o;
  o.max_queue = queue;
  o.max_export_batch = batch;
  o.schedule_delay = delay;
  o.export_timeout = 5s;
  return o;
}

struct Fixture {
  explicit Fixture(BatchOptions options) {
    processor = std::make_unique<BatchLogRecordProcessor>(
        std::make_unique<FakeLogExporter>(log), std::move(options));
  }
  std::shared_ptr<ExportLog> log = std::make_shared<ExportLog>();
  std::unique_ptr<BatchLogRecordProcessor> processor;
};

TEST(BatchLogRecordProcessorTest, DefaultsFollowTheSpecAndTheEnvironment) {
  {
    testing::ScopedEnv a("OTEL_BLRP_SCHEDULE_DELAY", std::nullopt);
    BatchOptions o = DefaultBatchLogOptions();
    EXPECT_EQ(o.max_queue, 2048u);
    EXPECT_EQ(o.max_export_batch, 512u);
    EXPECT_EQ(o.schedule_delay, 1000ms);
    EXPECT_EQ(o.export_timeout, 30000ms);
  }
  testing::ScopedEnv a("OTEL_BLRP_SCHEDULE_DELAY", "250");
  testing::ScopedEnv b("OTEL_BLRP_MAX_QUEUE_SIZE", "64");
  testing::ScopedEnv c("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "x");
  testing::ScopedEnv d("OTEL_BSP_EXPORT_TIMEOUT", "5");  // the span variables do not apply
  BatchOptions o = DefaultBatchLogOptions();
  EXPECT_EQ(o.schedule_delay, 250ms);
  EXPECT_EQ(o.max_queue, 64u);
  EXPECT_EQ(o.max_export_batch, 512u);
  EXPECT_EQ(o.export_timeout, 30000ms);
}

TEST(BatchLogRecordProcessorTest, ExportsEveryRecordOnceInOrderWithoutOverlap) {
  Fixture f(Opts(4096, 100));
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&f, t] {
      for (int i = 0; i < 250; ++i) f.processor->OnEmit(Log(std::to_string(t * 1000 + i)));
    });
  }
  for (auto& p : producers) p.join();
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 10s));
  ProcessorStats s = f.processor->Stats();
  EXPECT_EQ(s.queued, 1000u);
  EXPECT_EQ(s.exported, 1000u);
  std::lock_guard<std::mutex> lock(f.log->mu);
  EXPECT_EQ(f.log->names.size(), 1000u);
  EXPECT_EQ(f.log->max_concurrent, 1);
  for (size_t n : f.log->batch_sizes) EXPECT_LE(n, 100u);
  // Per producer, order is kept.
  std::vector<int> last(4, -1);
  for (const auto& n : f.log->names) {
    int v = std::stoi(n);
    EXPECT_GT(v % 1000, last[v / 1000]);
    last[v / 1000] = v % 1000;
  }
}

TEST(BatchLogRecordProcessorTest, FullQueueDropsCountsAndReports) {
  std::mutex mu;
  std::vector<std::string> drops;
  BatchOptions o = Opts(2, 1);
  o.diagnostics = [&](std::string_view key, std::string_view message) {
    std::lock_guard<std::mutex> lock(mu);
    if (key == "blrp.queue_full") drops.emplace_back(message);
  };
  Fixture f(o);
  f.log->SetMode(ExportLog::Mode::kBlock);
  f.processor->OnEmit(Log("a"));
  ASSERT_TRUE(f.log->WaitFor(5s, [&] { return f.log->in_export == 1; }));
  const auto start = SteadyClock::now();
  for (int i = 0; i < 5; ++i) f.processor->OnEmit(Log("b"));  // 2 fit, 3 dropped
  EXPECT_LT(SteadyClock::now() - start, 500ms);
  EXPECT_EQ(f.processor->dropped(), 3u);
  f.log->SetMode(ExportLog::Mode::kNormal);
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  EXPECT_TRUE(f.processor->Shutdown(SteadyClock::now() + 5s));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0].rfind("3 log record(s) dropped", 0), 0u) << drops[0];
}

TEST(BatchLogRecordProcessorTest, ForceFlushMeansExportedNotFailed) {
  std::mutex mu;
  std::vector<std::string> keys;
  BatchOptions o = Opts(100, 10);
  o.diagnostics = [&](std::string_view key, std::string_view) {
    std::lock_guard<std::mutex> lock(mu);
    keys.emplace_back(key);
  };
  Fixture f(o);
  f.log->status = UnavailableError("down");
  f.processor->OnEmit(Log("x"));
  EXPECT_FALSE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  EXPECT_EQ(f.processor->Stats().export_failures, 1u);
  f.log->status = Status::Ok();
  f.processor->OnEmit(Log("y"));
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  f.processor->Shutdown(SteadyClock::now() + 5s);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys[0], "blrp.export_failed");
}

TEST(BatchLogRecordProcessorTest, ScheduleDelayExportsWithoutFlush) {
  Fixture f(Opts(100, 50, 50ms));
  f.processor->OnEmit(Log("late"));
  EXPECT_TRUE(f.log->WaitFor(5s, [&] { return f.log->names.size() == 1; }));
}

TEST(BatchLogRecordProcessorTest, ShutdownIsBoundedAndIdempotent) {
  BatchOptions o = Opts(100, 10);
  o.export_timeout = 1s;
  Fixture f(o);
  f.log->SetMode(ExportLog::Mode::kBlock);
  f.processor->OnEmit(Log("stuck"));
  // The export starts with the full 1 s export timeout and blocks.
  EXPECT_FALSE(f.processor->ForceFlush(SteadyClock::now() + 50ms));
  ASSERT_TRUE(f.log->WaitFor(5s, [&] { return f.log->in_export == 1; }));
  const auto start = SteadyClock::now();
  EXPECT_FALSE(f.processor->Shutdown(start + 200ms));
  EXPECT_LT(SteadyClock::now() - start, 800ms);
  EXPECT_FALSE(f.processor->Shutdown(SteadyClock::now() + 100ms));
  f.processor->OnEmit(Log("after"));
  EXPECT_GE(f.processor->dropped(), 1u);
  EXPECT_TRUE(f.log->WaitFor(10s, [&] { return f.log->shutdown_called; }));
  std::this_thread::sleep_for(50ms);  // let the detached worker return
}

TEST(BatchLogRecordProcessorTest, ForkedChildStartsAfresh) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer cannot follow threads started after a multi-threaded fork";
#endif
  Fixture f(Opts(100, 10));
  f.processor->OnEmit(Log("queued-in-parent"));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  f.processor->PrepareFork();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    f.processor->AfterForkChild();
    close(fds[0]);
    f.processor->OnEmit(Log("from-child"));
    const bool flushed = f.processor->ForceFlush(SteadyClock::now() + 5s);
    std::string report;
    {
      std::lock_guard<std::mutex> lock(f.log->mu);
      for (const auto& n : f.log->names) report += n + ",";
      report += "|flushed=" + std::to_string(flushed) +
                "|fork_hook=" + std::to_string(f.log->after_fork_child_calls);
    }
    ssize_t ignored = write(fds[1], report.data(), report.size());
    (void)ignored;
    close(fds[1]);
    _exit(0);
  }
  f.processor->AfterForkParent();
  close(fds[1]);
  std::string report;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) report.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_EQ(report, "from-child,|flushed=1|fork_hook=1");
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  std::lock_guard<std::mutex> lock(f.log->mu);
  EXPECT_EQ(f.log->names, (std::vector<std::string>{"queued-in-parent"}));
}

}  // namespace
}  // namespace ptx
