#include "ptx/compression/codec.h"

#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <memory>

namespace ptx::compression {
namespace {

constexpr int kZstdDefaultLevel = 1;  // What the official SLS clients send.
constexpr size_t kInitialChunk = 64 * 1024;
// zlib counts in uInt; feed huge inputs in slices.
constexpr size_t kZlibSlice = 1u << 30;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

Status Bomb(size_t max_output) {
  return ResourceExhaustedError("decompressed size exceeds the limit of " +
                                std::to_string(max_output) + " bytes");
}

// Grows `out` (whose used size is `used`) towards the cap, geometrically. Returns the new
// usable size; equal to `used` only when the cap is reached.
size_t Grow(std::string& out, size_t used, size_t cap) {
  size_t want = std::max(kInitialChunk, out.size() * 2);
  want = std::min(want, cap);
  if (want > out.size()) out.resize(want);
  return out.size() > used ? out.size() : used;
}

// ---- zlib (gzip and deflate) ----

int ZlibWindowBits(Codec codec) { return codec == Codec::kGzip ? 15 + 16 : 15; }

// One deflate stream per thread, reset between calls. deflateInit2 allocates about 256 KiB of
// window, hash and pending buffers; setting that up and freeing it again for every body made
// gzip level 1 of a 512-span batch half as slow again (bench_native: 780 us, 512 us reused).
// A thread that compresses keeps its stream until it exits.
class ThreadDeflater {
 public:
  ThreadDeflater() = default;
  ThreadDeflater(const ThreadDeflater&) = delete;
  ThreadDeflater& operator=(const ThreadDeflater&) = delete;
  ~ThreadDeflater() {
    if (ready_) deflateEnd(&zs_);
  }

  // A stream ready for a new input at these settings; nullptr when zlib cannot allocate one.
  z_stream* Acquire(int level, int window_bits) {
    if (ready_ && level == level_ && window_bits == window_bits_ && deflateReset(&zs_) == Z_OK) {
      return &zs_;
    }
    if (ready_) deflateEnd(&zs_);
    ready_ = false;
    zs_ = z_stream{};
    if (deflateInit2(&zs_, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return nullptr;
    }
    ready_ = true;
    level_ = level;
    window_bits_ = window_bits;
    return &zs_;
  }

 private:
  z_stream zs_{};
  bool ready_ = false;
  int level_ = 0;
  int window_bits_ = 0;
};

Result<std::string> ZlibCompress(Codec codec, std::string_view input, int level) {
  if (level == kDefaultLevel) level = Z_DEFAULT_COMPRESSION;
  if (level != Z_DEFAULT_COMPRESSION && (level < 0 || level > 9)) {
    return InvalidArgumentError("zlib level must be 0-9, got " + std::to_string(level));
  }
  thread_local ThreadDeflater deflater;
  z_stream* stream = deflater.Acquire(level, ZlibWindowBits(codec));
  if (stream == nullptr) return InternalError("deflateInit2 failed");
  z_stream& zs = *stream;

  std::string out;
  // One allocation for inputs that fit in a uLong bound; still loops correctly otherwise.
  out.resize(deflateBound(&zs, static_cast<uLong>(std::min<size_t>(input.size(), ULONG_MAX))));
  size_t in_pos = 0;
  size_t out_pos = 0;
  while (true) {
    if (zs.avail_in == 0 && in_pos < input.size()) {
      size_t n = std::min(kZlibSlice, input.size() - in_pos);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data() + in_pos));
      zs.avail_in = static_cast<uInt>(n);
      in_pos += n;
    }
    if (out_pos == out.size()) out.resize(out.size() * 2 + kInitialChunk);
    size_t room = std::min(kZlibSlice, out.size() - out_pos);
    zs.next_out = reinterpret_cast<Bytef*>(&out[out_pos]);
    zs.avail_out = static_cast<uInt>(room);
    int flush = in_pos == input.size() ? Z_FINISH : Z_NO_FLUSH;
    int rc = deflate(&zs, flush);
    out_pos += room - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return InternalError("deflate failed");
  }
  out.resize(out_pos);
  return out;
}

Result<std::string> ZlibDecompress(Codec codec, std::string_view input, size_t max_output) {
  z_stream zs{};
  if (inflateInit2(&zs, ZlibWindowBits(codec)) != Z_OK) return InternalError("inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  const char* name = CodecName(codec);

  std::string out;
  size_t in_pos = 0;
  size_t out_pos = 0;
  bool stream_end = false;
  while (true) {
    if (zs.avail_in == 0 && in_pos < input.size()) {
      size_t n = std::min(kZlibSlice, input.size() - in_pos);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data() + in_pos));
      zs.avail_in = static_cast<uInt>(n);
      in_pos += n;
    }
    if (out_pos == out.size() && Grow(out, out_pos, max_output) == out_pos) {
      // At the cap: any further byte of output makes this a bomb.
      unsigned char probe;
      zs.next_out = &probe;
      zs.avail_out = 1;
      int rc = inflate(&zs, Z_NO_FLUSH);
      if (zs.avail_out == 0) return Bomb(max_output);
      if (rc == Z_STREAM_END) {
        stream_end = true;
      } else if (rc == Z_BUF_ERROR) {
        return InvalidArgumentError(std::string(name) + " stream is truncated");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return InvalidArgumentError(std::string(name) + " stream is corrupt" +
                                    (zs.msg ? std::string(": ") + zs.msg : std::string()));
      }
    } else {
      size_t room = std::min(kZlibSlice, out.size() - out_pos);
      zs.next_out = reinterpret_cast<Bytef*>(&out[out_pos]);
      zs.avail_out = static_cast<uInt>(room);
      int rc = inflate(&zs, Z_NO_FLUSH);
      out_pos += room - zs.avail_out;
      if (rc == Z_STREAM_END) {
        stream_end = true;
      } else if (rc == Z_BUF_ERROR) {
        // Room was given and input is refilled eagerly, so no progress means no more input.
        return InvalidArgumentError(std::string(name) + " stream is truncated");
      } else if (rc != Z_OK) {
        return InvalidArgumentError(std::string(name) + " stream is corrupt" +
                                    (zs.msg ? std::string(": ") + zs.msg : std::string()));
      }
    }
    if (stream_end) {
      bool more_input = zs.avail_in != 0 || in_pos < input.size();
      if (!more_input) break;
      // gzip allows concatenated members; a zlib stream must end where the data ends.
      if (codec != Codec::kGzip) {
        return InvalidArgumentError("trailing data after the deflate stream");
      }
      if (inflateReset(&zs) != Z_OK) return InternalError("inflateReset failed");
      stream_end = false;
    }
  }
  out.resize(out_pos);
  return out;
}

// ---- lz4 raw block ----

Result<std::string> Lz4Compress(std::string_view input, int level) {
  if (input.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    return InvalidArgumentError("input too large for an lz4 block");
  }
  if (level != kDefaultLevel && level < 1) {
    return InvalidArgumentError("lz4 acceleration must be >= 1, got " + std::to_string(level));
  }
  const int src_size = static_cast<int>(input.size());
  std::string out(static_cast<size_t>(LZ4_compressBound(src_size)), '\0');
  int n = level == kDefaultLevel
              ? LZ4_compress_default(input.data(), out.data(), src_size, static_cast<int>(out.size()))
              : LZ4_compress_fast(input.data(), out.data(), src_size, static_cast<int>(out.size()),
                                  level);
  if (n <= 0) return InternalError("LZ4_compress failed");
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Lz4Decompress(std::string_view input, size_t max_output, size_t raw_size) {
  if (raw_size > max_output) return Bomb(max_output);
  if (input.size() > static_cast<size_t>(INT_MAX) || raw_size > static_cast<size_t>(INT_MAX)) {
    return InvalidArgumentError("lz4 block too large");
  }
  if (input.empty()) return InvalidArgumentError("lz4 block is empty");
  std::string out(raw_size, '\0');
  int n = LZ4_decompress_safe(input.data(), out.data(), static_cast<int>(input.size()),
                              static_cast<int>(raw_size));
  if (n < 0) {
    return InvalidArgumentError(raw_size == 0 ? "lz4 block needs its raw size"
                                              : "lz4 block is corrupt, truncated or larger than "
                                                "its raw size");
  }
  if (static_cast<size_t>(n) != raw_size) {
    return InvalidArgumentError("lz4 block decompressed to " + std::to_string(n) +
                                " bytes, raw size says " + std::to_string(raw_size));
  }
  return out;
}

// ---- zstd ----

Result<std::string> ZstdCompress(std::string_view input, int level) {
  if (level == kDefaultLevel) level = kZstdDefaultLevel;
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
    return InvalidArgumentError("zstd level out of range: " + std::to_string(level));
  }
  std::string out(ZSTD_compressBound(input.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), level);
  if (ZSTD_isError(n)) return InternalError(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> ZstdDecompress(std::string_view input, size_t max_output) {
  if (input.empty()) return InvalidArgumentError("zstd input is empty");
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return InternalError("ZSTD_createDCtx failed");

  std::string out;
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  size_t out_pos = 0;
  size_t hint = 1;  // Non-zero while a frame is unfinished.
  while (in.pos < in.size || hint != 0) {
    if (out_pos == out.size() && Grow(out, out_pos, max_output) == out_pos) {
      unsigned char probe;
      ZSTD_outBuffer o{&probe, 1, 0};
      hint = ZSTD_decompressStream(dctx.get(), &o, &in);
      if (ZSTD_isError(hint)) {
        return InvalidArgumentError(std::string("zstd: ") + ZSTD_getErrorName(hint));
      }
      if (o.pos != 0) return Bomb(max_output);
      // The 1-byte buffer stayed empty, so everything decodable is out: truncated if unfinished.
      if (hint != 0 && in.pos == in.size) return InvalidArgumentError("zstd stream is truncated");
      continue;
    }
    ZSTD_outBuffer o{out.data() + out_pos, out.size() - out_pos, 0};
    hint = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(hint)) {
      return InvalidArgumentError(std::string("zstd: ") + ZSTD_getErrorName(hint));
    }
    out_pos += o.pos;
    // Output not full means the decoder flushed all it could: with no input left and the
    // frame unfinished, the stream is truncated.
    if (hint != 0 && in.pos == in.size && o.pos < o.size) {
      return InvalidArgumentError("zstd stream is truncated");
    }
  }
  out.resize(out_pos);
  return out;
}

}  // namespace

std::optional<Codec> ParseCodec(std::string_view name) {
  for (Codec c : {Codec::kNone, Codec::kGzip, Codec::kDeflate, Codec::kLz4, Codec::kZstd}) {
    if (EqualsIgnoreCase(name, CodecName(c))) return c;
  }
  return std::nullopt;
}

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kNone: return "none";
    case Codec::kGzip: return "gzip";
    case Codec::kDeflate: return "deflate";
    case Codec::kLz4: return "lz4";
    case Codec::kZstd: return "zstd";
  }
  return "unknown";
}

Result<std::string> Compress(Codec codec, std::string_view input, int level) {
  switch (codec) {
    case Codec::kNone: return std::string(input);
    case Codec::kGzip:
    case Codec::kDeflate: return ZlibCompress(codec, input, level);
    case Codec::kLz4: return Lz4Compress(input, level);
    case Codec::kZstd: return ZstdCompress(input, level);
  }
  return InvalidArgumentError("unknown codec");
}

Result<std::string> Decompress(Codec codec, std::string_view input, size_t max_output,
                               size_t raw_size) {
  switch (codec) {
    case Codec::kNone:
      if (input.size() > max_output) return Bomb(max_output);
      return std::string(input);
    case Codec::kGzip:
    case Codec::kDeflate: return ZlibDecompress(codec, input, max_output);
    case Codec::kLz4: return Lz4Decompress(input, max_output, raw_size);
    case Codec::kZstd: return ZstdDecompress(input, max_output);
  }
  return InvalidArgumentError("unknown codec");
}

}  // namespace ptx::compression
