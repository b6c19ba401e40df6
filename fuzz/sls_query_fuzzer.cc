// libFuzzer target: the SLS search syntax of GetLogs (`query` of v1 and v2) through
// SlsQuery::Parse and Matches against a few logs, the token splitter, and PullLogs cursors.
//
// Input: the query text; its first line doubles as a cursor and a log value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "sls_query.h"
#include "sls_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ptx::emulator;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  ptx::Result<SlsQuery> query = SlsQuery::Parse(text);
  if (query.ok()) {
    std::string first_line(text.substr(0, text.find('\n')));
    const SlsRow rows[] = {
        {{"__time__", "1700000000"}, {"__topic__", "app"}, {"__source__", "10.0.0.1"},
         {"__tag__:host", "web-1"}, {"level", "ERROR"}, {"message", "timeout after 30 s"},
         {"status", "503"}, {"latency", "12.5"}},
        {{"__time__", "1700000001"}, {"__topic__", ""}, {"message", first_line},
         {first_line, first_line}},
        {},
    };
    for (const SlsRow& row : rows) (void)query->Matches(row);
    if (query->match_all()) {
      for (const SlsRow& row : rows) PTX_FUZZ_CHECK(query->Matches(row));
    }
  } else {
    PTX_FUZZ_CHECK(query.status().code() == ptx::StatusCode::kInvalidArgument);
  }

  for (const std::string& token : SlsTokens(text)) PTX_FUZZ_CHECK(!token.empty());

  std::string_view cursor = text.substr(0, text.find('\n'));
  if (std::optional<uint64_t> sequence = DecodeCursor(cursor)) {
    PTX_FUZZ_CHECK(DecodeCursor(EncodeCursor(*sequence)) == sequence);
  }
  return 0;
}
