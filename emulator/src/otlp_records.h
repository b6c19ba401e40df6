// OTLP export requests <-> the records the store keeps. Ingest splits requests into records;
// the write-ahead log, snapshots and /api/export rebuild requests from records, and replay
// splits them again, so a record survives the round trip field for field.
//
//   std::vector<SpanRecord> records = SpansFromRequest(request, origin, &outcome);
//   ExportTraceServiceRequest again = SpansToRequest({&records[0], &records[1]});
#pragma once

#include <memory>
#include <vector>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "store.h"

namespace ptx::emulator {

namespace collector_trace = ::opentelemetry::proto::collector::trace::v1;
namespace collector_metrics = ::opentelemetry::proto::collector::metrics::v1;
namespace collector_logs = ::opentelemetry::proto::collector::logs::v1;

// What a request's items came to.
struct SplitOutcome {
  uint64_t rejected = 0;      // items refused (malformed ids)
  std::string first_defect;   // why the first refused item was refused
};

// Moves the request's items out into records sharing one Resource/ScopeInfo per
// ResourceX/ScopeX and `origin`. Spans with malformed ids are counted in *outcome, not kept.
std::vector<SpanRecord> SpansFromRequest(collector_trace::ExportTraceServiceRequest& request,
                                         std::shared_ptr<const Origin> origin,
                                         SplitOutcome* outcome);
std::vector<LogRecordEntry> LogsFromRequest(collector_logs::ExportLogsServiceRequest& request,
                                            std::shared_ptr<const Origin> origin);
std::vector<MetricPoint> PointsFromRequest(
    collector_metrics::ExportMetricsServiceRequest& request, std::shared_ptr<const Origin> origin);

// One request holding the records in order; consecutive records sharing a resource (scope,
// metric) share its ResourceX (ScopeX, Metric). Origins are not part of OTLP and are dropped.
collector_trace::ExportTraceServiceRequest SpansToRequest(
    const std::vector<const SpanRecord*>& records);
collector_logs::ExportLogsServiceRequest LogsToRequest(
    const std::vector<const LogRecordEntry*>& records);
collector_metrics::ExportMetricsServiceRequest PointsToRequest(
    const std::vector<const MetricPoint*>& points);

}  // namespace ptx::emulator
