#include "ptx/export/otlp_span_exporter.h"

#include <algorithm>
#include <string>

#include "otlp_client.h"
#include "ptx/encoding/otlp_response.h"
#include "ptx/encoding/otlp_trace.h"

namespace ptx {

Result<std::unique_ptr<OtlpSpanExporter>> OtlpSpanExporter::Create(OtlpExporterOptions options,
                                                                   Resource resource,
                                                                   ErrorHook on_error) {
  auto t = export_internal::MakeTransport(options, export_internal::kTraceSignal);
  if (!t.ok()) return t.status();
  return std::make_unique<OtlpSpanExporter>(std::move(t).value(), std::move(resource),
                                            std::move(options), std::move(on_error));
}

OtlpSpanExporter::OtlpSpanExporter(std::unique_ptr<transport::OtlpTransport> transport,
                                   Resource resource, OtlpExporterOptions options,
                                   ErrorHook on_error)
    : client_(std::make_unique<export_internal::OtlpClient>(
          std::move(transport), std::move(options), export_internal::kTraceSignal)),
      resource_(std::move(resource)),
      on_error_(std::move(on_error)) {}

OtlpSpanExporter::~OtlpSpanExporter() { Shutdown(SteadyClock::now()); }

Status OtlpSpanExporter::Export(const SpanBatch& batch, SteadyClock::time_point deadline) {
  const uint64_t count = static_cast<uint64_t>(
      std::count_if(batch.begin(), batch.end(), [](const auto& span) { return span != nullptr; }));
  if (!client_->BeginExport()) {
    stats_.failed_spans += count;
    return Status(StatusCode::kFailedPrecondition, "OTLP exporter is shut down");
  }
  Status result = [&]() -> Status {
    if (count == 0) return Status::Ok();
    std::string body = encoding::EncodeTraceRequest(resource_, batch);
    if (body.empty()) {
      return ResourceExhaustedError("OTLP: request for " + std::to_string(count) +
                                    " spans exceeds the 2 GiB protobuf limit");
    }
    transport::SendResult sent = client_->Send(body, deadline);
    stats_.retries += static_cast<uint64_t>(std::max(sent.attempts - 1, 0));
    if (!sent.status.ok()) return sent.status;

    uint64_t rejected = 0;
    Result<encoding::PartialSuccess> partial = encoding::DecodeTraceResponse(sent.response_body);
    if (partial.ok() && (partial->rejected > 0 || !partial->error_message.empty())) {
      rejected = std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(partial->rejected, 0)),
                                    count);
      Report(Status(StatusCode::kDataLoss,
                    "OTLP partial success: " + std::to_string(partial->rejected) +
                        " spans rejected" +
                        (partial->error_message.empty() ? "" : ": " + partial->error_message)));
    }
    stats_.rejected_spans += rejected;
    stats_.exported_spans += count - rejected;
    return Status::Ok();
  }();
  if (!result.ok()) {
    stats_.failed_spans += count;
    Report(result);
  }
  client_->EndExport();
  return result;
}

void OtlpSpanExporter::Shutdown(SteadyClock::time_point deadline) { client_->Shutdown(deadline); }

void OtlpSpanExporter::AfterForkChild() {
  Status reopened = client_->AfterForkChild();
  if (!reopened.ok()) Report(reopened);
}

void OtlpSpanExporter::Report(const Status& status) {
  if (on_error_) on_error_(status);
}

}  // namespace ptx
