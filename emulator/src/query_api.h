// The JSON query and control API on the --http listener (documented in emulator/README.md):
// GET /health, GET /api/traces, GET /api/traces/{trace_id}, GET /api/logs, GET /api/metrics,
// GET /api/metrics/names, GET /api/sls/..., GET /api/stats, POST /api/reset, POST/GET/DELETE /api/faults.
//
//   QueryApi api(&store, &sls_store, &stats, [&] { return ready.load(); });
//   api.Register(listener.server());
#pragma once

#include <functional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "faults.h"
#include "ptx/base/status.h"
#include "sls_store.h"
#include "stats.h"
#include "store.h"

namespace ptx::emulator {

// Renderings shared with tests, so that tests assert on exactly what clients see.
nlohmann::json SpanToJson(const SpanRecord& record);
nlohmann::json TraceSummaryToJson(const TraceSummary& summary);
nlohmann::json LogToJson(const LogRecordEntry& entry);
nlohmann::json MetricSeriesToJson(const MetricSeriesView& series);
nlohmann::json MetricPointToJson(const MetricPointData& data);
nlohmann::json StatsToJson(const StatsSnapshot& stats, const StoreCounts& counts,
                           const SlsStoreCounts& sls_counts);

// Builds a TraceQuery (LogQuery, MetricQuery) from query parameters; InvalidArgument names the
// bad parameter.
Result<TraceQuery> ParseTraceQuery(const httplib::Params& params);
Result<LogQuery> ParseLogQuery(const httplib::Params& params);
Result<MetricQuery> ParseMetricQuery(const httplib::Params& params);

// Reads the store and counters, never writes except through POST /api/reset. Thread-safe.
class QueryApi {
 public:
  QueryApi(Store* store, SlsStore* sls_store, Stats* stats, std::function<bool()> ready)
      : store_(store), sls_store_(sls_store), stats_(stats), ready_(std::move(ready)) {}

  // Serves POST/GET/DELETE /api/faults on this table; /api/reset clears it. Before Register.
  void set_faults(FaultTable* faults) { faults_ = faults; }

  void Register(httplib::Server& server);

  // {"error": message} with the given status; the format of every error of this API.
  static void RenderError(httplib::Response& res, int http_status, const std::string& message);

 private:
  Store* store_;
  SlsStore* sls_store_;
  Stats* stats_;
  FaultTable* faults_ = nullptr;
  std::function<bool()> ready_;
};

}  // namespace ptx::emulator
