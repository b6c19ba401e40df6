// libFuzzer target: the decode step of SLS PutLogs (DecodePutLogsBody) with the emulator's
// limit: decompression (none, lz4, zstd, deflate), the x-log-bodyrawsize check, LogGroup decoding
// and the per-log checks. A group it accepts re-encodes and decodes to the same group.
//
// Input: [codec byte][x-log-bodyrawsize, 4 bytes little-endian][body].
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "ptx/compression/codec.h"
#include "ptx/encoding/sls_log.h"
#include "sls_api.h"

namespace {

using ptx::compression::Codec;
using ptx::encoding::SlsLogGroup;

constexpr Codec kCodecs[] = {Codec::kNone, Codec::kLz4, Codec::kZstd, Codec::kDeflate};
// A fixed server clock: log times must lie within [now - 7 days, now + 15 minutes].
constexpr int64_t kNow = 1'700'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ptx::fuzz::FuzzInput in(data, size);
  const Codec codec = kCodecs[in.Byte() % 4];
  const size_t limit = ptx::emulator::SlsApiOptions{}.max_raw_body_bytes;
  // PutLogs answers PostBodyTooLarge for a larger x-log-bodyrawsize before this step.
  const size_t raw_size = in.U32() % (limit + 1);
  std::string_view body = in.Rest();

  SlsLogGroup group;
  std::optional<ptx::emulator::SlsError> error =
      ptx::emulator::DecodePutLogsBody(codec, raw_size, body, limit, kNow, &group);
  if (error) {
    PTX_FUZZ_CHECK(error->http_status == 400 && !error->code.empty());
    return 0;
  }
  ptx::Result<SlsLogGroup> again =
      ptx::encoding::DecodeLogGroup(ptx::encoding::EncodeLogGroup(group));
  PTX_FUZZ_CHECK(again.ok() && group == *again);
  return 0;
}
