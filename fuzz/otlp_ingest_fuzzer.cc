// libFuzzer target: one OTLP export request body as the OTLP/HTTP and OTLP/gRPC receivers hand
// it to OtlpIngest::Ingest (already decompressed and within the size limit), then everything
// stored is read back and rendered the way the query API and the SLS write-through do.
// CMakeLists.txt builds it once per signal and payload format (PTX_FUZZ_SIGNAL, PTX_FUZZ_JSON).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "ingest.h"
#include "query_api.h"
#include "sls_otlp.h"
#include "sls_store.h"
#include "store.h"

namespace ptx::emulator {
namespace {

constexpr Signal kSignal = Signal::PTX_FUZZ_SIGNAL;
constexpr PayloadFormat kFormat = PTX_FUZZ_JSON ? PayloadFormat::kJson : PayloadFormat::kProtobuf;
constexpr size_t kRetention = 100000;  // above what one input can hold: nothing is evicted
constexpr char kProject[] = "fuzz-project";
constexpr char kInstance[] = "fuzz-instance";

// What the query API would answer for everything stored; returns the number of items seen.
size_t RenderAll(const Store& store) {
  size_t items = 0;
  size_t total = 0;
  switch (kSignal) {
    case Signal::kTraces: {
      TraceQuery query;
      query.limit = kRetention;
      for (const TraceSummary& summary : store.ListTraces(query, &total)) {
        (void)TraceSummaryToJson(summary).dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
        for (const SpanPtr& span : store.GetTrace(summary.trace_id)) {
          (void)SpanToJson(*span).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
          ++items;
        }
      }
      break;
    }
    case Signal::kLogs: {
      LogQuery query;
      query.limit = kRetention;
      query.text = "e";
      (void)store.ListLogs(query, &total);
      query.text.reset();
      for (const LogPtr& log : store.ListLogs(query, &total)) {
        (void)LogToJson(*log).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        ++items;
      }
      break;
    }
    case Signal::kMetrics: {
      MetricQuery query;
      query.limit = kRetention;
      for (const MetricSeriesView& series : store.ListMetrics(query, &total)) {
        (void)MetricSeriesToJson(series).dump(-1, ' ', false,
                                              nlohmann::json::error_handler_t::replace);
        items += series.points.size();
      }
      (void)store.MetricNames();
      break;
    }
  }
  return items;
}

}  // namespace
}  // namespace ptx::emulator

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ptx::emulator;
  Store store(StoreOptions{kRetention, kRetention, kRetention});
  SlsStore sls_store(SlsStoreOptions{kRetention});
  OtlpIngest ingest(&store, &sls_store);
  Origin origin;
  origin.protocol = kFormat == PayloadFormat::kJson ? Protocol::kHttpJson : Protocol::kGrpc;
  origin.sls_project = kProject;
  origin.sls_instance_id = kInstance;

  std::string_view payload(reinterpret_cast<const char*>(data), size);
  ptx::Result<IngestOutcome> outcome = ingest.Ingest(kSignal, kFormat, payload, origin);
  if (!outcome.ok()) {
    // Undecodable: a 400 / INVALID_ARGUMENT, and nothing stored.
    PTX_FUZZ_CHECK(outcome.status().code() == ptx::StatusCode::kInvalidArgument);
    (void)EncodeRpcStatus(kFormat, outcome.status());
    StoreCounts counts = store.Counts();
    PTX_FUZZ_CHECK(counts.spans == 0 && counts.logs == 0 && counts.metric_points == 0);
    PTX_FUZZ_CHECK(sls_store.Counts().logs == 0);
    return 0;
  }
  (void)EncodeExportResponse(kSignal, kFormat, *outcome);
  PTX_FUZZ_CHECK((outcome->rejected == 0) == outcome->error_message.empty());

  // Exactly what was acknowledged is stored, readable, and written through to SLS.
  const size_t rendered = RenderAll(store);
  PTX_FUZZ_CHECK(rendered == outcome->accepted);
  std::vector<StoredLogGroupPtr> groups;
  SlsOutcome found =
      sls_store.Snapshot(kProject, TraceInstanceLogStore(kInstance, kSignal), &groups);
  if (outcome->accepted == 0) {
    PTX_FUZZ_CHECK(found != SlsOutcome::kOk || groups.empty());
  } else {
    PTX_FUZZ_CHECK(found == SlsOutcome::kOk && groups.size() == 1);
    PTX_FUZZ_CHECK(groups[0]->group.logs.size() == outcome->accepted);
  }
  return 0;
}
