#include "ptx/context/id_generator.h"

#include <pthread.h>
#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>

namespace ptx {
namespace {

// Bumped in every forked child; a thread whose state carries an older generation reseeds.
// Starts at 1 so that the zero-initialised state of a new thread counts as unseeded.
std::atomic<uint64_t> g_fork_generation{1};
// Distinguishes states seeded in the same nanosecond when the OS has no entropy to give.
std::atomic<uint64_t> g_seed_counter{0};

void OnForkChild() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

// Trivially constructible, so the thread_local needs no guard on the hot path.
struct RngState {
  uint64_t s[4];
  uint64_t generation;  // 0: never seeded
};
thread_local RngState t_rng;

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

__attribute__((noinline)) void Seed(RngState& state, uint64_t generation) {
  static const bool registered = (pthread_atfork(nullptr, nullptr, &OnForkChild) == 0);
  (void)registered;

  uint64_t entropy[4] = {0, 0, 0, 0};
  size_t filled = 0;
  auto* out = reinterpret_cast<unsigned char*>(entropy);
  while (filled < sizeof(entropy)) {
    ssize_t n = getrandom(out + filled, sizeof(entropy) - filled, GRND_NONBLOCK);
    if (n <= 0) break;  // no entropy yet (early boot) or no syscall: the mix below still differs
    filled += static_cast<size_t>(n);
  }
  // Mixed in even when getrandom worked, so that a failed call can never make a child repeat
  // its parent: the pid differs, and so do the time and the counter.
  uint64_t mix = static_cast<uint64_t>(getpid()) << 32;
  mix ^= static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  mix ^= static_cast<uint64_t>(
      std::chrono::system_clock::now().time_since_epoch().count());
  mix ^= reinterpret_cast<uintptr_t>(&state);
  mix += g_seed_counter.fetch_add(1, std::memory_order_relaxed) * 0xd1b54a32d192ed03ULL;
  for (int i = 0; i < 4; ++i) {
    uint64_t x = entropy[i] ^ mix;
    state.s[i] = SplitMix64(x);
    mix = x;
  }
  if ((state.s[0] | state.s[1] | state.s[2] | state.s[3]) == 0) state.s[0] = 1;  // fixed point
  state.generation = generation;
}

// One thread-local lookup per id: in the Python extension (a shared object) each one is a call.
inline RngState& State() {
  RngState& st = t_rng;
  uint64_t generation = g_fork_generation.load(std::memory_order_relaxed);
  if (__builtin_expect(st.generation != generation, 0)) Seed(st, generation);
  return st;
}

// xoshiro256** (Blackman and Vigna).
inline uint64_t Next(RngState& st) {
  uint64_t result = Rotl(st.s[1] * 5, 7) * 9;
  uint64_t t = st.s[1] << 17;
  st.s[2] ^= st.s[0];
  st.s[3] ^= st.s[1];
  st.s[1] ^= st.s[2];
  st.s[0] ^= st.s[3];
  st.s[2] ^= t;
  st.s[3] = Rotl(st.s[3], 45);
  return result;
}

// One 8-byte store: a byte loop here costs a store-forwarding stall on every id.
void StoreBigEndian(uint64_t value, uint8_t* out) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  value = __builtin_bswap64(value);
#endif
  std::memcpy(out, &value, sizeof(value));
}

}  // namespace

TraceId NewTraceId() {
  RngState& state = State();
  uint64_t high, low;
  do {
    high = Next(state);
    low = Next(state);
  } while ((high | low) == 0);
  TraceId id;
  StoreBigEndian(high, id.bytes.data());
  StoreBigEndian(low, id.bytes.data() + 8);
  return id;
}

SpanId NewSpanId() {
  RngState& state = State();
  uint64_t value;
  do {
    value = Next(state);
  } while (value == 0);
  SpanId id;
  StoreBigEndian(value, id.bytes.data());
  return id;
}

}  // namespace ptx
