#include "ptx/export/otlp_metric_exporter.h"

#include <algorithm>
#include <string>

#include "otlp_client.h"
#include "ptx/encoding/otlp_metrics.h"
#include "ptx/encoding/otlp_response.h"

namespace ptx {
namespace {

uint64_t CountPoints(const std::vector<ScopeMetrics>& metrics) {
  uint64_t n = 0;
  for (const auto& scope : metrics) {
    for (const auto& m : scope.metrics) n += m.number_points.size() + m.histogram_points.size();
  }
  return n;
}

}  // namespace

Result<std::unique_ptr<OtlpMetricExporter>> OtlpMetricExporter::Create(
    OtlpExporterOptions options, Resource resource, ErrorHook on_error) {
  auto t = export_internal::MakeTransport(options, export_internal::kMetricsSignal);
  if (!t.ok()) return t.status();
  return std::make_unique<OtlpMetricExporter>(std::move(t).value(), std::move(resource),
                                              std::move(options), std::move(on_error));
}

OtlpMetricExporter::OtlpMetricExporter(std::unique_ptr<transport::OtlpTransport> transport,
                                       Resource resource, OtlpExporterOptions options,
                                       ErrorHook on_error)
    : client_(std::make_unique<export_internal::OtlpClient>(
          std::move(transport), std::move(options), export_internal::kMetricsSignal)),
      resource_(std::move(resource)),
      on_error_(std::move(on_error)) {}

OtlpMetricExporter::~OtlpMetricExporter() { Shutdown(SteadyClock::now()); }

Status OtlpMetricExporter::Export(const std::vector<ScopeMetrics>& metrics,
                                  SteadyClock::time_point deadline) {
  const uint64_t count = CountPoints(metrics);
  if (!client_->BeginExport()) {
    stats_.failed_points += count;
    return Status(StatusCode::kFailedPrecondition, "OTLP metric exporter is shut down");
  }
  Status result = [&]() -> Status {
    if (count == 0) return Status::Ok();
    std::string body = encoding::EncodeMetricsRequest(resource_, metrics);
    if (body.empty()) {
      return ResourceExhaustedError("OTLP: request for " + std::to_string(count) +
                                    " data points exceeds the 2 GiB protobuf limit");
    }
    transport::SendResult sent = client_->Send(body, deadline);
    stats_.retries += static_cast<uint64_t>(std::max(sent.attempts - 1, 0));
    if (!sent.status.ok()) return sent.status;

    uint64_t rejected = 0;
    Result<encoding::PartialSuccess> partial =
        encoding::DecodeMetricsResponse(sent.response_body);
    if (partial.ok() && (partial->rejected > 0 || !partial->error_message.empty())) {
      rejected = std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(partial->rejected, 0)),
                                    count);
      Report(Status(StatusCode::kDataLoss,
                    "OTLP partial success: " + std::to_string(partial->rejected) +
                        " data points rejected" +
                        (partial->error_message.empty() ? "" : ": " + partial->error_message)));
    }
    stats_.rejected_points += rejected;
    stats_.exported_points += count - rejected;
    return Status::Ok();
  }();
  if (!result.ok()) {
    stats_.failed_points += count;
    Report(result);
  }
  client_->EndExport();
  return result;
}

void OtlpMetricExporter::Shutdown(SteadyClock::time_point deadline) {
  client_->Shutdown(deadline);
}

void OtlpMetricExporter::AfterForkChild() {
  Status reopened = client_->AfterForkChild();
  if (!reopened.ok()) Report(reopened);
}

void OtlpMetricExporter::Report(const Status& status) {
  if (on_error_) on_error_(status);
}

}  // namespace ptx
