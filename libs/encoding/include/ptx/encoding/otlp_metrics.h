// OTLP metrics encoding: one collection to a serialized ExportMetricsServiceRequest, the body of
// both OTLP/HTTP (POST /v1/metrics) and the OTLP/gRPC MetricsService/Export call.
//
//   std::string body = ptx::encoding::EncodeMetricsRequest(resource, reader.Collect());
//   auto partial = ptx::encoding::DecodeMetricsResponse(response_body);  // otlp_response.h
#pragma once

#include <string>
#include <vector>

#include "ptx/sdk/metrics/metric_data.h"
#include "ptx/sdk/resource.h"

namespace ptx::encoding {

// One ResourceMetrics holding `resource`, one ScopeMetrics per element of `metrics` in order.
// Sums carry aggregation_temporality and is_monotonic, histograms their temporality, gauges
// neither; int64 values are as_int, doubles as_double; histogram min/max only when present; a
// start time of 0 is left unset. Returns an empty string only when the request would exceed
// protobuf's 2 GiB message limit. Thread-safe (no shared state).
std::string EncodeMetricsRequest(const Resource& resource, const std::vector<ScopeMetrics>& metrics);

}  // namespace ptx::encoding
