#include "ptx/context/id_generator.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ptx {
namespace {

TEST(ContextIdGeneratorTest, IdsAreValidAndDistinct) {
  std::set<std::string> traces;
  std::set<std::string> spans;
  constexpr int kCount = 100000;
  for (int i = 0; i < kCount; ++i) {
    TraceId trace = NewTraceId();
    SpanId span = NewSpanId();
    ASSERT_TRUE(trace.valid());
    ASSERT_TRUE(span.valid());
    traces.insert(trace.ToHex());
    spans.insert(span.ToHex());
  }
  EXPECT_EQ(traces.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(spans.size(), static_cast<size_t>(kCount));
}

TEST(ContextIdGeneratorTest, BitsLookRandom) {
  // Every bit position of the span id must take both values over 1000 draws; a stuck bit (a
  // byte-order or truncation bug) fails this with certainty, a healthy generator never does.
  uint8_t seen_one[8] = {};
  uint8_t seen_zero[8] = {};
  for (int i = 0; i < 1000; ++i) {
    SpanId span = NewSpanId();
    for (int b = 0; b < 8; ++b) {
      seen_one[b] |= span.bytes[b];
      seen_zero[b] |= static_cast<uint8_t>(~span.bytes[b]);
    }
  }
  for (int b = 0; b < 8; ++b) {
    EXPECT_EQ(seen_one[b], 0xff) << "byte " << b;
    EXPECT_EQ(seen_zero[b], 0xff) << "byte " << b;
  }
}

TEST(ContextIdGeneratorTest, ThreadsProduceDistinctSequences) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::vector<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&results, t] {
      for (int i = 0; i < kPerThread; ++i) results[t].push_back(NewTraceId().ToHex());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& r : results) all.insert(r.begin(), r.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

// Forks a child that writes its first trace id and span id to a pipe, and returns them.
std::string IdsFromForkedChild() {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string ids = NewTraceId().ToHex() + NewSpanId().ToHex();
    ssize_t written = write(fds[1], ids.data(), ids.size());
    _exit(written == static_cast<ssize_t>(ids.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string ids;
  char buffer[64];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof(buffer))) > 0) ids.append(buffer, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "child failed";
  return ids;
}

TEST(ContextIdGeneratorTest, ForkedChildNeverRepeatsTheParentSequence) {
  // Seed this thread's generator before forking, so the child inherits a live state.
  NewTraceId();
  NewSpanId();
  std::string first_child = IdsFromForkedChild();
  std::string second_child = IdsFromForkedChild();
  // Without the reseed both children and the parent would all produce the same next ids.
  std::string parent = NewTraceId().ToHex() + NewSpanId().ToHex();
  ASSERT_EQ(first_child.size(), 48u) << first_child;
  ASSERT_EQ(second_child.size(), 48u) << second_child;
  EXPECT_NE(first_child, parent);
  EXPECT_NE(second_child, parent);
  EXPECT_NE(first_child, second_child);
  // Neither half may coincide either.
  EXPECT_NE(first_child.substr(0, 32), parent.substr(0, 32));
  EXPECT_NE(first_child.substr(32), parent.substr(32));
}

}  // namespace
}  // namespace ptx
