// The OTLP log record exporter: encodes a batch of log records, sends it over OTLP/HTTP
// (/v1/logs) or OTLP/gRPC (LogsService/Export) with the span exporter's retries and compression.
//
//   auto exporter = ptx::OtlpLogExporter::Create(options, resource, on_error);
//   if (exporter.ok()) processor = std::make_unique<ptx::BatchLogRecordProcessor>(...);
#pragma once

#include <functional>
#include <memory>

#include "ptx/base/status.h"
#include "ptx/export/log_export_stats.h"
#include "ptx/export/otlp_exporter_options.h"
#include "ptx/sdk/logs/log_record_exporter.h"
#include "ptx/sdk/resource.h"
#include "ptx/transport/otlp_transport.h"

namespace ptx {

namespace export_internal {
class OtlpClient;
}  // namespace export_internal

// Thread safety: Export is called by one thread at a time (the processor's worker); Shutdown
// and stats() may be called from any thread. Shutdown interrupts a back-off sleep and cancels
// the request in flight, then waits (bounded) for Export to return.
class OtlpLogExporter final : public LogRecordExporter {
 public:
  // Receives every failed export and every partial success (as kDataLoss). Called on the
  // exporting thread, never with a lock held.
  using ErrorHook = std::function<void(const Status&)>;

  // InvalidArgument for an endpoint, compression or header the protocol cannot use.
  static Result<std::unique_ptr<OtlpLogExporter>> Create(OtlpExporterOptions options,
                                                         Resource resource,
                                                         ErrorHook on_error = nullptr);
  // Over a given transport (fakes, custom wires); of `options` only timeout and retry apply
  // (until a fork reopens the transport from all of them).
  OtlpLogExporter(std::unique_ptr<transport::OtlpTransport> transport, Resource resource,
                  OtlpExporterOptions options, ErrorHook on_error = nullptr);
  ~OtlpLogExporter() override;
  OtlpLogExporter(const OtlpLogExporter&) = delete;
  OtlpLogExporter& operator=(const OtlpLogExporter&) = delete;

  // Ok when the receiver accepted the request, partial success included (never retried).
  // Gives up at min(deadline, now + options.timeout). FailedPrecondition after Shutdown.
  // A batch without records sends nothing.
  Status Export(const LogBatch& batch, SteadyClock::time_point deadline) override;
  // Idempotent. Later Export calls fail at once.
  void Shutdown(SteadyClock::time_point deadline) override;
  // In a forked child: abandons the inherited transport and opens a fresh one.
  void AfterForkChild() override;

  const LogExportStats& stats() const { return stats_; }

 private:
  void Report(const Status& status);

  const std::unique_ptr<export_internal::OtlpClient> client_;
  const Resource resource_;
  const ErrorHook on_error_;
  LogExportStats stats_;
};

}  // namespace ptx
