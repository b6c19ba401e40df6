#include "ptx/encoding/otlp_logs.h"

#include "otlp_fields.h"

namespace ptx::encoding {
namespace {

using internal::AllZero;
using internal::IdBytes;

// opentelemetry/proto/logs/v1/logs.proto LogRecord, fields in number order.
template <typename Pass>
void PutLogRecord(Pass& p, const LogRecordData& record) {
  if (record.time_unix_nano != 0) p.Fixed64(1, record.time_unix_nano);
  // Numbers outside the enum would be rejected by receivers that check it.
  const uint8_t severity = record.severity_number <= kSeverityMax ? record.severity_number : 0;
  if (severity != 0) p.Varint(2, severity);
  if (!record.severity_text.empty()) p.Utf8(3, record.severity_text);
  if (record.body) p.Message(5, [&] { internal::PutAnyValue(p, *record.body); });
  internal::PutKeyValues(p, 6, record.attributes);
  if (record.dropped_attributes_count != 0) p.Varint(7, record.dropped_attributes_count);
  if (record.trace_flags != 0) p.Fixed32(8, record.trace_flags);
  if (!AllZero(record.trace_id.bytes)) p.Bytes(9, IdBytes(record.trace_id.bytes));
  if (!AllZero(record.span_id.bytes)) p.Bytes(10, IdBytes(record.span_id.bytes));
  if (record.observed_time_unix_nano != 0) p.Fixed64(11, record.observed_time_unix_nano);
  if (!record.event_name.empty()) p.Utf8(12, record.event_name);
}

}  // namespace

std::string EncodeLogsRequest(const Resource& resource, const LogBatch& records) {
  const auto groups = internal::GroupByScope<LogRecordData>(records);
  return internal::EncodeTwoPass([&](auto& p) {
    p.Message(1, [&] {  // ExportLogsServiceRequest.resource_logs
      p.Message(1, [&] { internal::PutResource(p, resource); });
      for (const auto& group : groups) {
        const auto& scope = group.first;
        const auto& members = group.second;
        p.Message(2, [&] {  // ScopeLogs: scope = 1, log_records = 2
          p.Message(1, [&] { internal::PutScope(p, scope); });
          for (const LogRecordData* record : members) {
            p.Message(2, [&] { PutLogRecord(p, *record); });
          }
        });
      }
      if (!resource.schema_url.empty()) p.Utf8(3, resource.schema_url);
    });
  });
}

}  // namespace ptx::encoding
