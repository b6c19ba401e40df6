// OTLP data sent with the SLS trace-instance headers, as SLS logs: spans become logs of the
// logstore {instance}-traces, log records logs of {instance}-logs, metric data points logs of
// {instance}-metrics (documented in emulator/README.md). Every content is a string; nested values are compact JSON.
//
//   encoding::SlsLogGroup group = SpansToSlsLogGroup(records);
//   sls_store.Append(origin.sls_project, TraceInstanceLogStore(instance, Signal::kTraces), ...);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ptx/encoding/sls_log.h"
#include "stats.h"
#include "store.h"

namespace ptx::emulator {

// "{instance}-traces", "{instance}-logs" or "{instance}-metrics".
std::string TraceInstanceLogStore(const std::string& instance, Signal signal);

// One log per span, timed at the span's start.
encoding::SlsLogGroup SpansToSlsLogGroup(const std::vector<SpanRecord>& spans);

// One log per record, timed at its time (else observed time, else `now_unix_nano`).
encoding::SlsLogGroup LogsToSlsLogGroup(const std::vector<LogRecordEntry>& records,
                                        uint64_t now_unix_nano);

// One log per data point, timed at its time (else its start time, else `now_unix_nano`):
// __name__, __labels__, __value__, __time_nano__ and the fields of its point type.
encoding::SlsLogGroup MetricsToSlsLogGroup(const std::vector<MetricPoint>& points,
                                           uint64_t now_unix_nano);

// The SLS metric store's label string: attributes sorted by key as key#$#value (text form)
// joined by '|'; a repeated key keeps its last value.
std::string SlsMetricLabels(
    const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attributes);

}  // namespace ptx::emulator
