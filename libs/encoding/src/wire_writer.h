// Internal: protobuf wire-format writing without message objects, for the OTLP encoders.
//
// An encoder is written once as a template over a "pass" and run twice over the same records:
// SizePass measures every nested message (in the order they start) into a SizeCache, then
// WritePass writes into an exactly sized buffer, taking each nested message's length from the
// cache in the same order. Sharing one body keeps the two passes from ever disagreeing.
//
//   template <class P> void PutThing(P& p, const Thing& t) {
//     if (t.id != 0) p.Varint(1, t.id);
//     p.Message(2, [&] { p.Utf8(1, t.name); });
//   }
//
// Presence rules (proto3 defaults skipped, oneof members always written) are the callers': the
// pass methods write what they are given. Strings go through Utf8(): invalid UTF-8 sequences
// are replaced byte by byte with U+FFFD, as receivers reject a whole request over one bad byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace ptx::encoding::internal {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

constexpr uint32_t MakeTag(uint32_t field, WireType type) { return field << 3 | type; }

inline size_t VarintSize(uint64_t value) {
  // 1 + floor(bit_length / 7), with value | 1 so that zero counts one bit.
  const int bits = 64 - __builtin_clzll(value | 1);
  return static_cast<size_t>((bits + 6) / 7);
}

// True when every byte is below 0x80; eight bytes at a time (telemetry strings nearly always
// are ASCII, and this runs for every string in both passes).
inline bool IsAscii(std::string_view text) {
  const char* p = text.data();
  size_t n = text.size();
  uint64_t high = 0;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);
    high |= word;
  }
  for (; n > 0; --n, ++p) high |= static_cast<unsigned char>(*p);
  return (high & 0x8080808080808080ull) == 0;
}

size_t Utf8SanitizedSizeSlow(std::string_view text);

// Size of `text` after replacing each invalid byte with U+FFFD (3 bytes). Equal to
// text.size() exactly when the text is valid UTF-8, since every replacement grows it by 2.
inline size_t Utf8SanitizedSize(std::string_view text) {
  return IsAscii(text) ? text.size() : Utf8SanitizedSizeSlow(text);
}
// Writes `text` with invalid bytes replaced; `out` has room for Utf8SanitizedSize(text).
char* WriteUtf8Sanitized(std::string_view text, char* out);

// Lengths of nested messages in the order they start (pre-order). 32 bits suffice: the
// cache is only read when the whole message is below kMaxMessageSize.
using SizeCache = std::vector<uint32_t>;

class SizePass {
 public:
  explicit SizePass(SizeCache* cache) : cache_(cache) {}

  void Varint(uint32_t field, uint64_t value) {
    size_ += VarintSize(MakeTag(field, kVarint)) + VarintSize(value);
  }
  void Fixed64(uint32_t field, uint64_t) { size_ += VarintSize(MakeTag(field, kFixed64)) + 8; }
  void Double(uint32_t field, double) { size_ += VarintSize(MakeTag(field, kFixed64)) + 8; }
  void Fixed32(uint32_t field, uint32_t) { size_ += VarintSize(MakeTag(field, kFixed32)) + 4; }
  void Bytes(uint32_t field, std::string_view bytes) { Delimited(field, bytes.size()); }
  void Utf8(uint32_t field, std::string_view text) { Delimited(field, Utf8SanitizedSize(text)); }
  // Packed repeated fixed64 / double (callers skip empty lists).
  void PackedFixed64(uint32_t field, const std::vector<uint64_t>& values) {
    Delimited(field, 8 * values.size());
  }
  void PackedDouble(uint32_t field, const std::vector<double>& values) {
    Delimited(field, 8 * values.size());
  }
  template <typename Body>
  void Message(uint32_t field, Body&& body) {
    const size_t slot = cache_->size();
    cache_->push_back(0);
    const size_t outer = size_;
    size_ = 0;
    body();
    const size_t inner = size_;
    (*cache_)[slot] = static_cast<uint32_t>(inner);
    size_ = outer;
    Delimited(field, inner);
  }

  size_t size() const { return size_; }

 private:
  void Delimited(uint32_t field, size_t length) {
    size_ += VarintSize(MakeTag(field, kLengthDelimited)) + VarintSize(length) + length;
  }

  SizeCache* cache_;
  size_t size_ = 0;
};

// Writes into a buffer the SizePass over the same records measured.
class WritePass {
 public:
  WritePass(const SizeCache& cache, char* out) : cache_(cache.data()), out_(out) {}

  void Varint(uint32_t field, uint64_t value) {
    PutVarint(MakeTag(field, kVarint));
    PutVarint(value);
  }
  void Fixed64(uint32_t field, uint64_t value) {
    PutVarint(MakeTag(field, kFixed64));
    PutLittleEndian(value);
  }
  void Double(uint32_t field, double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    Fixed64(field, bits);
  }
  void Fixed32(uint32_t field, uint32_t value) {
    PutVarint(MakeTag(field, kFixed32));
    PutLittleEndian(value);
  }
  void Bytes(uint32_t field, std::string_view bytes) {
    PutVarint(MakeTag(field, kLengthDelimited));
    PutVarint(bytes.size());
    PutRaw(bytes.data(), bytes.size());
  }
  void Utf8(uint32_t field, std::string_view text) {
    const size_t size = Utf8SanitizedSize(text);
    PutVarint(MakeTag(field, kLengthDelimited));
    PutVarint(size);
    if (size == text.size()) {
      PutRaw(text.data(), size);
    } else {
      out_ = WriteUtf8Sanitized(text, out_);
    }
  }
  void PackedFixed64(uint32_t field, const std::vector<uint64_t>& values) {
    PutVarint(MakeTag(field, kLengthDelimited));
    PutVarint(8 * values.size());
    for (uint64_t v : values) PutLittleEndian(v);
  }
  void PackedDouble(uint32_t field, const std::vector<double>& values) {
    PutVarint(MakeTag(field, kLengthDelimited));
    PutVarint(8 * values.size());
    for (double v : values) {
      uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      PutLittleEndian(bits);
    }
  }
  template <typename Body>
  void Message(uint32_t field, Body&& body) {
    PutVarint(MakeTag(field, kLengthDelimited));
    PutVarint(*cache_++);
    body();
  }

  char* position() const { return out_; }

 private:
  void PutVarint(uint64_t value) {
    while (value >= 0x80) {
      *out_++ = static_cast<char>(value | 0x80);
      value >>= 7;
    }
    *out_++ = static_cast<char>(value);
  }
  template <typename T>
  void PutLittleEndian(T value) {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "wire format is little-endian");
    std::memcpy(out_, &value, sizeof value);
    out_ += sizeof value;
  }
  void PutRaw(const char* data, size_t size) {
    if (size != 0) std::memcpy(out_, data, size);
    out_ += size;
  }

  const uint32_t* cache_;
  char* out_;
};

// Protobuf refuses messages of 2 GiB and more; so do we (the callers return an empty string).
inline constexpr size_t kMaxMessageSize = 0x7fffffff;

// Runs `encode(pass)` twice (measure, then write) and returns the bytes; empty when the
// message would exceed kMaxMessageSize.
template <typename Encode>
std::string EncodeTwoPass(Encode&& encode) {
  // One cache per thread, reused: a 512-span batch has ~10k nested messages, and a fresh
  // vector per request would cost page faults on every export.
  thread_local SizeCache cache;
  cache.clear();
  SizePass sizer(&cache);
  encode(sizer);
  if (sizer.size() > kMaxMessageSize) {
    SizeCache().swap(cache);
    return std::string();
  }
  std::string out;
  out.resize(sizer.size());
  WritePass writer(cache, out.data());
  encode(writer);
  // An exceptional batch must not pin its cache for the life of the thread.
  constexpr size_t kMaxRetainedEntries = 1 << 20;  // 4 MiB
  if (cache.capacity() > kMaxRetainedEntries) SizeCache().swap(cache);
  return out;
}

}  // namespace ptx::encoding::internal
