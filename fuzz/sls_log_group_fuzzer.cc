// libFuzzer target: the SLS LogGroup and LogGroupList decoders (PutLogs bodies, PullLogs answers)
// on arbitrary bytes. Whatever decodes re-encodes (the hand-written encoder) to bytes that decode
// to the same groups.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "ptx/encoding/sls_log.h"

using ptx::encoding::SlsLogGroup;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ptx::Result<SlsLogGroup> group = ptx::encoding::DecodeLogGroup(bytes);
  if (group.ok()) {
    ptx::Result<SlsLogGroup> again =
        ptx::encoding::DecodeLogGroup(ptx::encoding::EncodeLogGroup(*group));
    PTX_FUZZ_CHECK(again.ok() && *group == *again);
  } else {
    PTX_FUZZ_CHECK(group.status().code() == ptx::StatusCode::kInvalidArgument);
  }
  ptx::Result<std::vector<SlsLogGroup>> list = ptx::encoding::DecodeLogGroupList(bytes);
  if (list.ok()) {
    ptx::Result<std::vector<SlsLogGroup>> again =
        ptx::encoding::DecodeLogGroupList(ptx::encoding::EncodeLogGroupList(*list));
    PTX_FUZZ_CHECK(again.ok() && *again == *list);
  }
  return 0;
}
