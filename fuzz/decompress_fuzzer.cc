// libFuzzer target: request body decompression exactly as the emulator's receivers call it, with
// their size limits: gzip, deflate and zstd bodies of OTLP/HTTP (bounded by the OTLP body limit)
// and lz4, zstd and deflate bodies of SLS PutLogs (bounded by the SLS raw body limit, lz4 with
// the x-log-bodyrawsize the client sent). Every second input also round-trips its own bytes.
//
// Input: [selector byte][raw size, 4 bytes little-endian, lz4 only][body].
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "options.h"
#include "ptx/compression/codec.h"
#include "sls_api.h"

namespace {

using ptx::compression::Codec;

struct Case {
  Codec codec;
  size_t limit;
};

const size_t kOtlpLimit = ptx::emulator::EmulatorOptions{}.max_body_bytes;
const size_t kSlsLimit = ptx::emulator::SlsApiOptions{}.max_raw_body_bytes;

const Case kCases[] = {
    {Codec::kGzip, kOtlpLimit}, {Codec::kDeflate, kOtlpLimit}, {Codec::kZstd, kOtlpLimit},
    {Codec::kLz4, kSlsLimit},   {Codec::kZstd, kSlsLimit},     {Codec::kDeflate, kSlsLimit},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ptx::fuzz::FuzzInput in(data, size);
  const uint8_t selector = in.Byte();
  const Case& c = kCases[(selector >> 1) % (sizeof(kCases) / sizeof(kCases[0]))];
  const bool round_trip = selector & 1;
  // PutLogs refuses a raw size beyond its limit before decompressing; so does this.
  size_t raw_size = c.codec == Codec::kLz4 ? in.U32() % (c.limit + 1) : 0;
  std::string_view body = in.Rest();

  if (round_trip) {
    ptx::Result<std::string> packed = ptx::compression::Compress(c.codec, body);
    PTX_FUZZ_CHECK(packed.ok());
    ptx::Result<std::string> back =
        ptx::compression::Decompress(c.codec, *packed, body.size(), body.size());
    PTX_FUZZ_CHECK(back.ok() && *back == body);
    if (!body.empty()) {
      // One byte short of the limit is a bomb, never a truncated success.
      ptx::Result<std::string> small =
          ptx::compression::Decompress(c.codec, *packed, body.size() - 1, body.size());
      PTX_FUZZ_CHECK(!small.ok() && small.status().code() == ptx::StatusCode::kResourceExhausted);
    }
    return 0;
  }

  ptx::Result<std::string> out = ptx::compression::Decompress(c.codec, body, c.limit, raw_size);
  if (out.ok()) {
    PTX_FUZZ_CHECK(out->size() <= c.limit);
    if (c.codec == Codec::kLz4) PTX_FUZZ_CHECK(out->size() == raw_size);
  } else {
    PTX_FUZZ_CHECK(out.status().code() == ptx::StatusCode::kInvalidArgument ||
                   out.status().code() == ptx::StatusCode::kResourceExhausted);
  }
  return 0;
}
