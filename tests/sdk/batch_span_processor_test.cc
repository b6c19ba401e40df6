#include "ptx/sdk/batch_span_processor.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "test_util.h"

namespace ptx {
namespace {

using namespace std::chrono_literals;
using testing::ExportLog;
using testing::FakeExporter;
using testing::NamedSpan;

struct Fixture {
  explicit Fixture(BatchOptions options) {
    processor = std::make_unique<BatchSpanProcessor>(std::make_unique<FakeExporter>(log), options);
  }
  std::shared_ptr<ExportLog> log = std::make_shared<ExportLog>();
  std::unique_ptr<BatchSpanProcessor> processor;
};

BatchOptions Opts(size_t queue, size_t batch, std::chrono::milliseconds delay = 1h) {
  BatchOptions o;
  o.max_queue = queue;
  o.max_export_batch = batch;
  o.schedule_delay = delay;
  o.export_timeout = 5s;
  return o;
}

TEST(BatchSpanProcessorTest, ExportsEverySpanExactlyOnceInOrder) {
  Fixture f(Opts(2048, 100));
  for (int i = 0; i < 1000; ++i) f.processor->OnEnd(NamedSpan(std::to_string(i)));
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 10s));
  ProcessorStats s = f.processor->Stats();
  EXPECT_EQ(s.queued, 1000u);
  EXPECT_EQ(s.exported, 1000u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.export_failures, 0u);
  std::lock_guard<std::mutex> lock(f.log->mu);
  ASSERT_EQ(f.log->names.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(f.log->names[i], std::to_string(i));
  for (size_t n : f.log->batch_sizes) EXPECT_LE(n, 100u);
  EXPECT_EQ(f.log->max_concurrent, 1);
}

TEST(BatchSpanProcessorTest, FullQueueDropsWithoutBlocking) {
  Fixture f(Opts(4, 2));
  f.log->SetMode(ExportLog::Mode::kBlock);
  f.processor->OnEnd(NamedSpan("a"));
  f.processor->OnEnd(NamedSpan("b"));  // half capacity: the worker takes both and blocks
  ASSERT_TRUE(f.log->WaitFor(5s, [&] { return f.log->in_export == 1; }));

  const auto start = SteadyClock::now();
  for (int i = 0; i < 1000; ++i) f.processor->OnEnd(NamedSpan("x" + std::to_string(i)));
  EXPECT_LT(SteadyClock::now() - start, 500ms);  // generous for slow CI; really microseconds
  ProcessorStats s = f.processor->Stats();
  EXPECT_EQ(s.queued, 6u);  // a, b and the 4 that fit
  EXPECT_EQ(s.dropped, 996u);
  EXPECT_EQ(f.processor->dropped(), 996u);

  f.log->SetMode(ExportLog::Mode::kNormal);
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  s = f.processor->Stats();
  EXPECT_EQ(s.exported, 6u);
  std::lock_guard<std::mutex> lock(f.log->mu);
  EXPECT_EQ(f.log->names, (std::vector<std::string>{"a", "b", "x0", "x1", "x2", "x3"}));
}

TEST(BatchSpanProcessorTest, ForceFlushExportsWhatWasQueuedBeforeTheCall) {
  Fixture f(Opts(100, 10));
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now()));  // nothing queued
  for (int i = 0; i < 7; ++i) f.processor->OnEnd(NamedSpan("s"));
  EXPECT_EQ(f.log->exported_count(), 0u);  // below half capacity, delay of an hour
  const auto start = SteadyClock::now();
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  EXPECT_LT(SteadyClock::now() - start, 1s);
  EXPECT_EQ(f.log->exported_count(), 7u);
  EXPECT_EQ(f.processor->Stats().exported, 7u);
}

TEST(BatchSpanProcessorTest, ForceFlushReportsTimeout) {
  Fixture f(Opts(100, 10));
  f.log->SetMode(ExportLog::Mode::kBlock);
  f.processor->OnEnd(NamedSpan("s"));
  const auto start = SteadyClock::now();
  EXPECT_FALSE(f.processor->ForceFlush(SteadyClock::now() + 100ms));
  const auto took = SteadyClock::now() - start;
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 1s);
  f.log->SetMode(ExportLog::Mode::kNormal);
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  EXPECT_EQ(f.log->exported_count(), 1u);
}

TEST(BatchSpanProcessorTest, ForceFlushIsFalseWhenTheExportFails) {
  Fixture f(Opts(100, 10));
  {
    std::lock_guard<std::mutex> lock(f.log->mu);
    f.log->status = UnavailableError("collector down");
  }
  f.processor->OnEnd(NamedSpan("s"));
  EXPECT_FALSE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  EXPECT_EQ(f.processor->Stats().export_failures, 1u);
  {
    std::lock_guard<std::mutex> lock(f.log->mu);
    f.log->status = Status::Ok();
  }
  f.processor->OnEnd(NamedSpan("t"));
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  EXPECT_EQ(f.processor->Stats().exported, 1u);
}

TEST(BatchSpanProcessorTest, ScheduleDelayTriggersExport) {
  Fixture f(Opts(100, 10, 100ms));
  const auto start = SteadyClock::now();
  f.processor->OnEnd(NamedSpan("s"));
  ASSERT_TRUE(f.log->WaitFor(5s, [&] { return f.log->names.size() == 1; }));
  const auto took = SteadyClock::now() - start;
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 2s);
}

TEST(BatchSpanProcessorTest, HalfCapacityWakesTheWorker) {
  Fixture f(Opts(8, 4));
  for (int i = 0; i < 3; ++i) f.processor->OnEnd(NamedSpan("s"));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(f.log->exported_count(), 0u);
  f.processor->OnEnd(NamedSpan("s"));
  ASSERT_TRUE(f.log->WaitFor(5s, [&] { return f.log->names.size() == 4; }));
}

TEST(BatchSpanProcessorTest, BatchLargerThanHalfDoesNotSpin) {
  Fixture f(Opts(10, 8));  // wakes at 5, exports while at least 5 remain
  for (int i = 0; i < 6; ++i) f.processor->OnEnd(NamedSpan("s"));
  ASSERT_TRUE(f.log->WaitFor(5s, [&] { return f.log->names.size() == 6; }));
  std::lock_guard<std::mutex> lock(f.log->mu);
  EXPECT_EQ(f.log->batch_sizes.size(), 1u);
}

TEST(BatchSpanProcessorTest, ConcurrentProducersNeverExportConcurrently) {
  Fixture f(Opts(2048, 64, 5ms));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) f.processor->OnEnd(NamedSpan("s"));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 10s));
  ProcessorStats s = f.processor->Stats();
  EXPECT_EQ(s.queued + s.dropped, uint64_t{kThreads * kPerThread});
  EXPECT_EQ(s.exported, s.queued);
  EXPECT_EQ(f.log->exported_count(), s.queued);
  std::lock_guard<std::mutex> lock(f.log->mu);
  EXPECT_EQ(f.log->max_concurrent, 1);
}

TEST(BatchSpanProcessorTest, ShutdownFlushesAndIsIdempotent) {
  Fixture f(Opts(100, 10));
  for (int i = 0; i < 25; ++i) f.processor->OnEnd(NamedSpan("s"));
  const auto deadline = SteadyClock::now() + 5s;
  EXPECT_TRUE(f.processor->Shutdown(deadline));
  EXPECT_EQ(f.log->exported_count(), 25u);
  {
    std::lock_guard<std::mutex> lock(f.log->mu);
    EXPECT_TRUE(f.log->shutdown_called);
    EXPECT_EQ(f.log->shutdown_deadline, deadline);
    for (auto d : f.log->deadlines) EXPECT_LE(d, deadline);
  }
  EXPECT_TRUE(f.processor->Shutdown(SteadyClock::now()));
  f.processor->OnEnd(NamedSpan("late"));
  EXPECT_EQ(f.processor->Stats().dropped, 1u);
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now()));
  f.processor.reset();
  EXPECT_EQ(f.log->exported_count(), 25u);
}

TEST(BatchSpanProcessorTest, DestructorFlushes) {
  Fixture f(Opts(100, 10));
  for (int i = 0; i < 5; ++i) f.processor->OnEnd(NamedSpan("s"));
  f.processor.reset();
  EXPECT_EQ(f.log->exported_count(), 5u);
  std::lock_guard<std::mutex> lock(f.log->mu);
  EXPECT_TRUE(f.log->shutdown_called);
}

TEST(BatchSpanProcessorTest, ShutdownIsBoundedByAnExporterHangingUntilItsDeadline) {
  Fixture f(Opts(100, 10));
  f.log->SetMode(ExportLog::Mode::kHangUntilDeadline);
  for (int i = 0; i < 3; ++i) f.processor->OnEnd(NamedSpan("s"));
  const auto start = SteadyClock::now();
  const auto deadline = start + 300ms;
  f.processor->Shutdown(deadline);
  const auto took = SteadyClock::now() - start;
  EXPECT_LT(took, 800ms);
  // The export got the shutdown deadline, not now + export_timeout (5 s).
  ASSERT_TRUE(f.log->WaitFor(2s, [&] { return f.log->shutdown_called; }));
  std::lock_guard<std::mutex> lock(f.log->mu);
  ASSERT_EQ(f.log->deadlines.size(), 1u);
  EXPECT_LE(f.log->deadlines[0], deadline);
}

TEST(BatchSpanProcessorTest, ShutdownAbandonsAWorkerStuckPastTheDeadline) {
  Fixture f(Opts(100, 10));
  f.log->ignore_for = 1s;
  f.log->SetMode(ExportLog::Mode::kIgnoreDeadline);
  f.processor->OnEnd(NamedSpan("s"));
  ASSERT_TRUE(f.processor->ForceFlush(SteadyClock::now()) == false);
  ASSERT_TRUE(f.log->WaitFor(5s, [&] { return f.log->in_export == 1; }));
  const auto start = SteadyClock::now();
  EXPECT_FALSE(f.processor->Shutdown(start + 200ms));
  EXPECT_LT(SteadyClock::now() - start, 700ms);
  EXPECT_FALSE(f.processor->Shutdown(SteadyClock::now() + 1h));  // returns at once
  f.processor.reset();  // must not wait for, or crash, the detached worker
  EXPECT_LT(SteadyClock::now() - start, 700ms);
  // The worker finishes on its own and still shuts the exporter down.
  EXPECT_TRUE(f.log->WaitFor(5s, [&] { return f.log->shutdown_called; }));
  std::this_thread::sleep_for(50ms);  // let the detached thread return
}

TEST(BatchSpanProcessorTest, ExportFailuresAreCountedAndReported) {
  std::mutex mu;
  std::vector<std::string> keys;
  BatchOptions o = Opts(100, 10);
  o.diagnostics = [&](std::string_view key, std::string_view message) {
    std::lock_guard<std::mutex> lock(mu);
    keys.emplace_back(key);
  };
  Fixture f(o);
  f.log->status = UnavailableError("collector down");
  for (int i = 0; i < 3; ++i) f.processor->OnEnd(NamedSpan("s"));
  EXPECT_FALSE(f.processor->ForceFlush(SteadyClock::now() + 5s));  // processed, but nothing went out
  ProcessorStats s = f.processor->Stats();
  EXPECT_EQ(s.export_failures, 3u);
  EXPECT_EQ(s.exported, 0u);
  f.processor->Shutdown(SteadyClock::now() + 5s);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys[0], "bsp.export_failed");
}

TEST(BatchSpanProcessorTest, DropsAreReported) {
  std::mutex mu;
  std::vector<std::string> messages;
  BatchOptions o = Opts(2, 1);
  o.diagnostics = [&](std::string_view key, std::string_view message) {
    std::lock_guard<std::mutex> lock(mu);
    if (key == "bsp.queue_full") messages.emplace_back(message);
  };
  Fixture f(o);
  f.log->SetMode(ExportLog::Mode::kBlock);
  f.processor->OnEnd(NamedSpan("a"));
  ASSERT_TRUE(f.log->WaitFor(5s, [&] { return f.log->in_export == 1; }));
  for (int i = 0; i < 5; ++i) f.processor->OnEnd(NamedSpan("b"));  // 2 fit, 3 dropped
  f.log->SetMode(ExportLog::Mode::kNormal);
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  f.processor->Shutdown(SteadyClock::now() + 5s);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].rfind("3 span(s) dropped", 0), 0u) << messages[0];
}

// fork() with a live worker thread: the child must get a working processor of its own and must
// not export what the parent had queued.
TEST(BatchSpanProcessorTest, ForkedChildGetsAFreshWorkerAndQueue) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer cannot follow threads started after a multi-threaded fork";
#endif
  Fixture f(Opts(100, 10));
  f.processor->OnEnd(NamedSpan("queued-in-parent"));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);

  f.processor->PrepareFork();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    f.processor->AfterForkChild();
    close(fds[0]);
    f.processor->OnEnd(NamedSpan("from-child"));
    const bool flushed = f.processor->ForceFlush(SteadyClock::now() + 5s);
    const ProcessorStats s = f.processor->Stats();
    std::string report;
    {
      std::lock_guard<std::mutex> lock(f.log->mu);
      for (const auto& n : f.log->names) report += n + ",";
      report += "|flushed=" + std::to_string(flushed) + "|queued=" + std::to_string(s.queued) +
                "|exported=" + std::to_string(s.exported) +
                "|fork_hook=" + std::to_string(f.log->after_fork_child_calls);
    }
    const bool shut = f.processor->Shutdown(SteadyClock::now() + 5s);
    report += "|shutdown=" + std::to_string(shut);
    ssize_t ignored = write(fds[1], report.data(), report.size());
    (void)ignored;
    close(fds[1]);
    _exit(0);  // skip gtest and static destructors in the child
  }
  f.processor->AfterForkParent();
  close(fds[1]);
  std::string report;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) report.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(report,
            "from-child,|flushed=1|queued=1|exported=1|fork_hook=1|shutdown=1");

  // The parent is unaffected and still exports its own span.
  EXPECT_TRUE(f.processor->ForceFlush(SteadyClock::now() + 5s));
  std::lock_guard<std::mutex> lock(f.log->mu);
  EXPECT_EQ(f.log->names, (std::vector<std::string>{"queued-in-parent"}));
}

TEST(BatchSpanProcessorTest, OptionsFromEnvironment) {
  testing::ScopedEnv a("OTEL_BSP_MAX_QUEUE_SIZE", "10");
  testing::ScopedEnv b("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "bogus");
  testing::ScopedEnv c("OTEL_BSP_SCHEDULE_DELAY", "250");
  testing::ScopedEnv d("OTEL_BSP_EXPORT_TIMEOUT", "-5");
  BatchOptions o = BatchOptionsFromEnv(BatchOptions{});
  EXPECT_EQ(o.max_queue, 10u);
  EXPECT_EQ(o.max_export_batch, 512u);
  EXPECT_EQ(o.schedule_delay, 250ms);
  EXPECT_EQ(o.export_timeout, 30000ms);
}

}  // namespace
}  // namespace ptx
