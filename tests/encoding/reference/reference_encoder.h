// Test-only reference: the OTLP request encoders built on the generated protobuf messages
// (message objects on an arena, then SerializeToString). The hand-written encoders in
// libs/encoding must produce the same bytes; tests and bench/native compare the two.
//
//   std::string expected = ptx::encoding::reference::EncodeTraceRequest(resource, batch);
//   EXPECT_EQ(ptx::encoding::EncodeTraceRequest(resource, batch), expected);
#pragma once

#include <string>
#include <vector>

#include "ptx/encoding/otlp_trace.h"
#include "ptx/sdk/exporter.h"
#include "ptx/sdk/logs/log_record_exporter.h"
#include "ptx/sdk/metrics/metric_data.h"
#include "ptx/sdk/resource.h"

namespace ptx::encoding::reference {

// Same contracts as the functions of the same name in ptx/encoding/otlp_{trace,logs,metrics}.h.
std::string EncodeTraceRequest(const Resource& resource, const SpanBatch& spans);
std::string EncodeLogsRequest(const Resource& resource, const LogBatch& records);
std::string EncodeMetricsRequest(const Resource& resource, const std::vector<ScopeMetrics>& metrics);

}  // namespace ptx::encoding::reference
