// libFuzzer target: the query and control API's request parsers on the --http listener: the
// query string of GET /api/traces, /api/logs and /api/metrics (split by httplib exactly as the
// server does, then ParseTraceQuery / ParseLogQuery / ParseMetricQuery) and the JSON body of
// POST /api/faults (ParseFaultSpec).
//
// Input: the query string \n the fault JSON body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "faults.h"
#include "fuzz_util.h"
#include "query_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ptx::emulator;
  ptx::fuzz::FuzzInput in(data, size);
  std::string query_string(in.Line());
  std::string_view body = in.Rest();

  httplib::Params params;
  httplib::detail::parse_query_text(query_string, params);
  auto bad_argument = [](const ptx::Status& status) {
    return status.code() == ptx::StatusCode::kInvalidArgument && !status.message().empty();
  };
  ptx::Result<TraceQuery> traces = ParseTraceQuery(params);
  PTX_FUZZ_CHECK(traces.ok() || bad_argument(traces.status()));
  if (traces.ok()) PTX_FUZZ_CHECK(traces->limit > 0);
  ptx::Result<LogQuery> logs = ParseLogQuery(params);
  PTX_FUZZ_CHECK(logs.ok() || bad_argument(logs.status()));
  if (logs.ok()) PTX_FUZZ_CHECK(logs->limit > 0);
  ptx::Result<MetricQuery> metrics = ParseMetricQuery(params);
  PTX_FUZZ_CHECK(metrics.ok() || bad_argument(metrics.status()));
  if (metrics.ok()) PTX_FUZZ_CHECK(metrics->limit > 0);

  nlohmann::json json = nlohmann::json::parse(body.begin(), body.end(), nullptr,
                                              /*allow_exceptions=*/false);
  if (!json.is_discarded()) {
    ptx::Result<FaultSpec> spec = ParseFaultSpec(json);
    PTX_FUZZ_CHECK(spec.ok() || bad_argument(spec.status()));
  }
  return 0;
}
