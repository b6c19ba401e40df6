// Payload compression for exporters and the emulator: gzip (OTLP/HTTP), deflate as a zlib
// stream, lz4 raw block and zstd (SLS), with decompression bounded by a caller-given size.
//
//   ptx::Result<std::string> body = ptx::compression::Compress(ptx::compression::Codec::kGzip, raw);
//   auto raw2 = ptx::compression::Decompress(Codec::kGzip, *body, /*max_output=*/20 << 20);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ptx/base/status.h"

namespace ptx::compression {

enum class Codec {
  kNone,
  kGzip,     // RFC 1952 gzip member (Content-Encoding: gzip).
  kDeflate,  // zlib stream, RFC 1950 (SLS x-log-compresstype: deflate).
  kLz4,      // Raw LZ4 block: no frame, no size prefix; the raw size travels separately.
  kZstd,     // Standard zstd frame.
};

// Asks each codec for its own default level.
inline constexpr int kDefaultLevel = -1000;

// "none", "gzip", "deflate", "lz4", "zstd" in any case; nullopt for anything else.
std::optional<Codec> ParseCodec(std::string_view name);
// The lowercase name ParseCodec accepts.
const char* CodecName(Codec codec);

// Compresses input. `level` is codec specific (zlib 0-9, zstd 1-22, lz4 acceleration >= 1);
// kDefaultLevel picks the codec's default. Thread-safe.
Result<std::string> Compress(Codec codec, std::string_view input, int level = kDefaultLevel);

// Decompresses input without ever holding more than max_output bytes of output: more output
// than that is ResourceExhausted (a decompression bomb), truncated or corrupt input is
// InvalidArgument. lz4 needs raw_size (the exact decompressed size); other codecs ignore it.
// Thread-safe.
Result<std::string> Decompress(Codec codec, std::string_view input, size_t max_output,
                               size_t raw_size = 0);

}  // namespace ptx::compression
