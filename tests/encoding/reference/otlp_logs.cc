#include "reference_encoder.h"

#include <google/protobuf/arena.h>

#include <unordered_map>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/logs/v1/logs.pb.h"
#include "otlp_common.h"

namespace ptx::encoding::reference {
namespace {

namespace otlp_collector = ::opentelemetry::proto::collector::logs::v1;
namespace otlp_logs = ::opentelemetry::proto::logs::v1;
using internal::AllZero;
using internal::SetIdBytes;
using internal::SetUtf8;

// Typical batches (512 records with a few attributes) fit in a few blocks of this size.
constexpr size_t kArenaStartBlock = 64 * 1024;
constexpr size_t kArenaMaxBlock = 1024 * 1024;

void FillLogRecord(const LogRecordData& record, otlp_logs::LogRecord* out) {
  out->set_time_unix_nano(record.time_unix_nano);
  out->set_observed_time_unix_nano(record.observed_time_unix_nano);
  out->set_severity_number(static_cast<otlp_logs::SeverityNumber>(
      record.severity_number <= kSeverityMax ? record.severity_number : 0));
  SetUtf8(record.severity_text, out->mutable_severity_text());
  if (record.body) internal::FillAnyValue(*record.body, out->mutable_body());
  internal::FillKeyValues(record.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(record.dropped_attributes_count);
  out->set_flags(record.trace_flags);
  if (!AllZero(record.trace_id.bytes)) SetIdBytes(record.trace_id.bytes, out->mutable_trace_id());
  if (!AllZero(record.span_id.bytes)) SetIdBytes(record.span_id.bytes, out->mutable_span_id());
  SetUtf8(record.event_name, out->mutable_event_name());
}

}  // namespace

std::string EncodeLogsRequest(const Resource& resource, const LogBatch& records) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = kArenaStartBlock;
  options.max_block_size = kArenaMaxBlock;
  google::protobuf::Arena arena(options);
  auto* request =
      google::protobuf::Arena::CreateMessage<otlp_collector::ExportLogsServiceRequest>(&arena);

  otlp_logs::ResourceLogs* resource_logs = request->add_resource_logs();
  internal::FillResource(resource, resource_logs->mutable_resource());
  SetUtf8(resource.schema_url, resource_logs->mutable_schema_url());

  std::unordered_map<const InstrumentationScope*, otlp_logs::ScopeLogs*> by_scope;
  const InstrumentationScope* last_scope = nullptr;
  otlp_logs::ScopeLogs* last_scope_logs = nullptr;
  for (const auto& record : records) {
    if (!record) continue;
    // Batches usually hold long runs of one logger: skip the map lookup for those.
    if (last_scope_logs == nullptr || record->scope != last_scope) {
      otlp_logs::ScopeLogs*& slot = by_scope[record->scope];
      if (slot == nullptr) {
        slot = resource_logs->add_scope_logs();
        internal::FillScope(record->scope, slot->mutable_scope());
      }
      last_scope = record->scope;
      last_scope_logs = slot;
    }
    FillLogRecord(*record, last_scope_logs->add_log_records());
  }

  std::string out;
  if (!request->SerializeToString(&out)) out.clear();
  return out;
}

}  // namespace ptx::encoding::reference
