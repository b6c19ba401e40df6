#include "ptx/encoding/otlp_response.h"

#include <climits>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace ptx::encoding {
namespace {

template <typename Response, typename Rejected>
Result<PartialSuccess> Decode(std::string_view body, const char* what, Rejected rejected) {
  Response response;
  if (body.size() > INT_MAX ||
      !response.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError(std::string("malformed ") + what);
  }
  PartialSuccess result;
  if (response.has_partial_success()) {
    result.rejected = rejected(response.partial_success());
    result.error_message = response.partial_success().error_message();
  }
  return result;
}

}  // namespace

Result<PartialSuccess> DecodeTraceResponse(std::string_view body) {
  using ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
  return Decode<ExportTraceServiceResponse>(body, "ExportTraceServiceResponse",
                                            [](const auto& ps) { return ps.rejected_spans(); });
}

Result<PartialSuccess> DecodeMetricsResponse(std::string_view body) {
  using ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse;
  return Decode<ExportMetricsServiceResponse>(
      body, "ExportMetricsServiceResponse",
      [](const auto& ps) { return ps.rejected_data_points(); });
}

Result<PartialSuccess> DecodeLogsResponse(std::string_view body) {
  using ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse;
  return Decode<ExportLogsServiceResponse>(
      body, "ExportLogsServiceResponse",
      [](const auto& ps) { return ps.rejected_log_records(); });
}

}  // namespace ptx::encoding
