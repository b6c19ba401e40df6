// OTLP export requests <-> the records the store keeps. Ingest splits requests into records;
// the write-ahead log, snapshots and /api/export rebuild requests from records, and replay
// splits them again, so a record survives the round trip field for field.
//
//   auto request = NewArenaMessage<ExportTraceServiceRequest>(payload.size());  // then parse
//   std::vector<SpanRecord> records = SpansFromRequest(request, origin, &outcome);
//   ExportTraceServiceRequest again = SpansToRequest({&records[0], &records[1]});
#pragma once

#include <google/protobuf/arena.h>

#include <algorithm>
#include <cstddef>
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

// Arena blocks stay below the allocator's fixed mmap threshold (main.cc): heap blocks are
// reused warm, where a mapping would cost a page fault per 4 KiB on every request and an
// munmap when the store evicts it.
inline constexpr size_t kArenaMaxBlock = size_t{120} << 10;

// An empty message in an arena of its own, sized for decoding `encoded_size` bytes into it;
// the pointer owns the arena. Decoding into an arena takes a few block allocations instead of
// one or more per field, and freeing it is one pass over the blocks.
template <typename Message>
std::shared_ptr<Message> NewArenaMessage(size_t encoded_size) {
  google::protobuf::ArenaOptions options;
  // Decoded spans and log records take about four times their encoded size (message objects,
  // string headers); later blocks double up to the max.
  // Block sizes stay multiples of 64: the arena places 8-byte-aligned cleanup records at the
  // block's end, so an odd-sized block misaligns them (UBSan in the fuzz build).
  const size_t wanted = std::clamp<size_t>(encoded_size * 4, 1024, kArenaMaxBlock);
  options.start_block_size = (wanted + 63) & ~size_t{63};
  options.max_block_size = kArenaMaxBlock;
  auto arena = std::make_shared<google::protobuf::Arena>(options);
  Message* message = google::protobuf::Arena::CreateMessage<Message>(arena.get());
  return std::shared_ptr<Message>(std::move(arena), message);
}

// Splits the request into records sharing one Resource/ScopeInfo per ResourceX/ScopeX and
// `origin`. Each record points at its span inside the request and shares ownership of it
// (the request's arena, when it has one, lives until the last record goes). Spans with
// malformed ids are counted in *outcome, not kept. The request must not change afterwards.
std::vector<SpanRecord> SpansFromRequest(
    std::shared_ptr<collector_trace::ExportTraceServiceRequest> request,
    std::shared_ptr<const Origin> origin, SplitOutcome* outcome);
std::vector<LogRecordEntry> LogsFromRequest(
    std::shared_ptr<collector_logs::ExportLogsServiceRequest> request,
    std::shared_ptr<const Origin> origin);
// Moves the request's data points out into MetricPoints.
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
