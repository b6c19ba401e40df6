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

namespace {

using ptx::encoding::SlsLogGroup;

bool SameGroup(const SlsLogGroup& a, const SlsLogGroup& b) {
  if (a.topic != b.topic || a.source != b.source || a.tags != b.tags ||
      a.logs.size() != b.logs.size()) {
    return false;
  }
  for (size_t i = 0; i < a.logs.size(); ++i) {
    const auto& x = a.logs[i];
    const auto& y = b.logs[i];
    if (x.time != y.time || x.time_ns != y.time_ns || x.contents.size() != y.contents.size()) {
      return false;
    }
    for (size_t j = 0; j < x.contents.size(); ++j) {
      if (x.contents[j].key != y.contents[j].key || x.contents[j].value != y.contents[j].value) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ptx::Result<SlsLogGroup> group = ptx::encoding::DecodeLogGroup(bytes);
  if (group.ok()) {
    ptx::Result<SlsLogGroup> again =
        ptx::encoding::DecodeLogGroup(ptx::encoding::EncodeLogGroup(*group));
    PTX_FUZZ_CHECK(again.ok() && SameGroup(*group, *again));
  } else {
    PTX_FUZZ_CHECK(group.status().code() == ptx::StatusCode::kInvalidArgument);
  }
  ptx::Result<std::vector<SlsLogGroup>> list = ptx::encoding::DecodeLogGroupList(bytes);
  if (list.ok()) {
    ptx::Result<std::vector<SlsLogGroup>> again =
        ptx::encoding::DecodeLogGroupList(ptx::encoding::EncodeLogGroupList(*list));
    PTX_FUZZ_CHECK(again.ok() && again->size() == list->size());
    for (size_t i = 0; i < list->size(); ++i) PTX_FUZZ_CHECK(SameGroup((*list)[i], (*again)[i]));
  }
  return 0;
}
