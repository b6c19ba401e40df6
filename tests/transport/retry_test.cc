#include "ptx/transport/retry.h"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

namespace ptx::transport {
namespace {

using std::chrono::milliseconds;

// Answers Send from a script; the last entry repeats.
class ScriptedTransport : public OtlpTransport {
 public:
  explicit ScriptedTransport(std::deque<SendResult> script) : script_(std::move(script)) {}
  SendResult Send(std::string_view, SteadyClock::time_point) override {
    ++sends;
    SendResult r = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return r;
  }
  void Cancel() override {}
  int sends = 0;

 private:
  std::deque<SendResult> script_;
};

SendResult Ok() { return SendResult{}; }
SendResult Retryable(std::optional<milliseconds> after = std::nullopt) {
  SendResult r = SendResult::Failure(UnavailableError("try later"), true);
  r.retry_after = after;
  return r;
}

RetryPolicy FastPolicy() {
  RetryPolicy p;
  p.initial_backoff = milliseconds(5);
  p.max_backoff = milliseconds(20);
  p.seed = 42;
  return p;
}

TEST(BackoffScheduleTest, ExponentialWithinJitterBoundsAndCapped) {
  RetryPolicy p;  // 1 s, x2, cap 32 s, U(0.8, 1.2)
  p.seed = 7;
  BackoffSchedule schedule(p);
  const int64_t bases[] = {1000, 2000, 4000, 8000, 16000, 32000, 32000, 32000};
  for (int64_t base : bases) {
    int64_t d = schedule.Next().count();
    EXPECT_GE(d, base * 8 / 10) << "base " << base;
    EXPECT_LE(d, base * 12 / 10) << "base " << base;
  }
}

TEST(BackoffScheduleTest, SameSeedSameSequence) {
  RetryPolicy p;
  p.seed = 1234;
  BackoffSchedule a(p), b(p);
  bool jittered = false;
  for (int i = 0; i < 6; ++i) {
    int64_t da = a.Next().count();
    EXPECT_EQ(da, b.Next().count());
    int64_t base = 1000LL << i;
    jittered |= da != base;
  }
  EXPECT_TRUE(jittered);
}

TEST(BackoffScheduleTest, NoJitterIsExact) {
  RetryPolicy p;
  p.jitter_min = p.jitter_max = 1.0;
  p.initial_backoff = milliseconds(100);
  p.multiplier = 3;
  p.max_backoff = milliseconds(1000);
  BackoffSchedule s(p);
  EXPECT_EQ(s.Next(), milliseconds(100));
  EXPECT_EQ(s.Next(), milliseconds(300));
  EXPECT_EQ(s.Next(), milliseconds(900));
  EXPECT_EQ(s.Next(), milliseconds(1000));
}

TEST(SendWithRetryTest, RetriesUntilOk) {
  ScriptedTransport t({Retryable(), Retryable(), Ok()});
  Interrupter stop;
  SendResult r = SendWithRetry(t, "x", SteadyClock::now() + std::chrono::seconds(5), FastPolicy(),
                               stop);
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(t.sends, 3);
}

TEST(SendWithRetryTest, HugeServerDelayGivesUpInsteadOfOverflowing) {
  // A wait near milliseconds::max() must not wrap around into "retry now".
  ScriptedTransport t({Retryable(milliseconds::max() / 2), Ok()});
  Interrupter stop;
  SendResult r = SendWithRetry(t, "x", SteadyClock::now() + std::chrono::seconds(5), FastPolicy(),
                               stop);
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(t.sends, 1);
  EXPECT_NE(r.status.message().find("would pass the deadline"), std::string::npos);
}

TEST(SendWithRetryTest, PermanentFailureIsNotRetried) {
  ScriptedTransport t({SendResult::Failure(InvalidArgumentError("bad"), false), Ok()});
  Interrupter stop;
  SendResult r = SendWithRetry(t, "x", SteadyClock::now() + std::chrono::seconds(5), FastPolicy(),
                               stop);
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.sends, 1);
}

TEST(SendWithRetryTest, StopsAtMaxAttempts) {
  ScriptedTransport t({Retryable()});
  Interrupter stop;
  RetryPolicy p = FastPolicy();
  p.max_attempts = 4;
  SendResult r = SendWithRetry(t, "x", SteadyClock::now() + std::chrono::seconds(5), p, stop);
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.attempts, 4);
  EXPECT_EQ(t.sends, 4);
}

TEST(SendWithRetryTest, ServerDelayReplacesBackoff) {
  ScriptedTransport t({Retryable(milliseconds(150)), Ok()});
  Interrupter stop;
  RetryPolicy p;
  p.initial_backoff = milliseconds(10);
  p.jitter_min = p.jitter_max = 1.0;
  auto start = SteadyClock::now();
  SendResult r = SendWithRetry(t, "x", start + std::chrono::seconds(5), p, stop);
  auto elapsed = SteadyClock::now() - start;
  EXPECT_TRUE(r.status.ok());
  EXPECT_GE(elapsed, milliseconds(150));
  EXPECT_LT(elapsed, milliseconds(1500));
}

TEST(SendWithRetryTest, GivesUpWhenTheWaitWouldPassTheDeadline) {
  ScriptedTransport t({Retryable(), Ok()});
  Interrupter stop;
  RetryPolicy p;  // first back-off ~1 s
  auto start = SteadyClock::now();
  SendResult r = SendWithRetry(t, "x", start + milliseconds(300), p, stop);
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(t.sends, 1);
  EXPECT_LT(SteadyClock::now() - start, milliseconds(200));
  EXPECT_NE(r.status.message().find("deadline"), std::string::npos);
}

TEST(SendWithRetryTest, InterruptEndsTheBackoff) {
  ScriptedTransport t({Retryable(), Ok()});
  Interrupter stop;
  RetryPolicy p;
  p.initial_backoff = std::chrono::seconds(5);
  auto start = SteadyClock::now();
  std::thread interrupter([&] {
    std::this_thread::sleep_for(milliseconds(100));
    stop.Interrupt();
  });
  SendResult r = SendWithRetry(t, "x", start + std::chrono::seconds(30), p, stop);
  interrupter.join();
  EXPECT_FALSE(r.status.ok());
  EXPECT_FALSE(r.retryable);
  EXPECT_EQ(t.sends, 1);
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1000));
  // Sticky: a later call makes one attempt and does not sleep.
  ScriptedTransport t2({Retryable()});
  auto again = SteadyClock::now();
  (void)SendWithRetry(t2, "x", again + std::chrono::seconds(30), p, stop);
  EXPECT_EQ(t2.sends, 1);
  EXPECT_LT(SteadyClock::now() - again, milliseconds(100));
}

TEST(InterrupterTest, SleepsUntilTimeWhenNotInterrupted) {
  Interrupter i;
  auto start = SteadyClock::now();
  EXPECT_TRUE(i.SleepUntil(start + milliseconds(30)));
  EXPECT_GE(SteadyClock::now() - start, milliseconds(30));
  i.Interrupt();
  EXPECT_TRUE(i.interrupted());
  EXPECT_FALSE(i.SleepUntil(SteadyClock::now() + std::chrono::seconds(10)));
}

}  // namespace
}  // namespace ptx::transport
