// Helpers shared by the libFuzzer targets in fuzz/: splitting one fuzz input into several
// fields, and invariant checks that crash (so libFuzzer records the input) when violated.
//
//   FuzzInput in(data, size);
//   uint8_t mode = in.Byte();  std::string_view line = in.Line();  auto rest = in.Rest();
//   PTX_FUZZ_CHECK(decoded.size() <= limit);
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// Aborts with the failed condition: an invariant of the code under test does not hold.
#define PTX_FUZZ_CHECK(cond)                                                              \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);   \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

namespace ptx::fuzz {

// Reads fields off the front of a fuzz input; every read succeeds (short input gives zeros and
// empty views), so that every byte string is a valid test case. Not thread-safe.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // Little-endian.
  uint32_t U32() {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value |= static_cast<uint32_t>(Byte()) << (8 * i);
    return value;
  }
  // Up to the next '\n' (consumed, not returned), or everything left.
  std::string_view Line() {
    size_t end = rest_.find('\n');
    std::string_view line = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return line;
  }
  std::string_view Rest() {
    std::string_view all = rest_;
    rest_ = {};
    return all;
  }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace ptx::fuzz
