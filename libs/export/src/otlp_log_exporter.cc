#include "ptx/export/otlp_log_exporter.h"

#include <algorithm>
#include <string>

#include "otlp_client.h"
#include "otlp_export_call.h"
#include "ptx/encoding/otlp_logs.h"
#include "ptx/encoding/otlp_response.h"

namespace ptx {

Result<std::unique_ptr<OtlpLogExporter>> OtlpLogExporter::Create(OtlpExporterOptions options,
                                                                 Resource resource,
                                                                 ErrorHook on_error) {
  auto t = export_internal::MakeTransport(options, export_internal::kLogsSignal);
  if (!t.ok()) return t.status();
  return std::make_unique<OtlpLogExporter>(std::move(t).value(), std::move(resource),
                                           std::move(options), std::move(on_error));
}

OtlpLogExporter::OtlpLogExporter(std::unique_ptr<transport::OtlpTransport> transport,
                                 Resource resource, OtlpExporterOptions options,
                                 ErrorHook on_error)
    : client_(std::make_unique<export_internal::OtlpClient>(
          std::move(transport), std::move(options), export_internal::kLogsSignal)),
      resource_(std::move(resource)),
      on_error_(std::move(on_error)) {}

OtlpLogExporter::~OtlpLogExporter() { Shutdown(SteadyClock::now()); }

Status OtlpLogExporter::Export(const LogBatch& batch, SteadyClock::time_point deadline) {
  export_internal::OtlpExportCall call;
  call.count = static_cast<uint64_t>(
      std::count_if(batch.begin(), batch.end(), [](const auto& r) { return r != nullptr; }));
  call.noun = "log records";
  call.encode = [&] { return encoding::EncodeLogsRequest(resource_, batch); };
  call.decode = &encoding::DecodeLogsResponse;
  return export_internal::RunOtlpExport(
      *client_, call, deadline,
      {&stats_.exported_logs, &stats_.failed_logs, &stats_.rejected_logs, &stats_.retries,
       &stats_.requests},
      [this](const Status& s) { Report(s); });
}

void OtlpLogExporter::Shutdown(SteadyClock::time_point deadline) { client_->Shutdown(deadline); }

void OtlpLogExporter::AfterForkChild() {
  Status reopened = client_->AfterForkChild();
  if (!reopened.ok()) Report(reopened);
}

void OtlpLogExporter::Report(const Status& status) {
  if (on_error_) on_error_(status);
}

}  // namespace ptx
