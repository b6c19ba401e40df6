// Internal: what every OTLP exporter shares: building the transport for one signal, sending
// with retries inside the exporter timeout, the shutdown/export handshake and fork handling.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string_view>

#include "ptx/base/clock.h"
#include "ptx/base/status.h"
#include "ptx/export/otlp_exporter_options.h"
#include "ptx/transport/otlp_grpc_transport.h"
#include "ptx/transport/otlp_transport.h"
#include "ptx/transport/retry.h"

namespace ptx::export_internal {

// Where one signal goes: the HTTP path appended to a base endpoint and the gRPC method.
struct OtlpSignal {
  const char* http_path;
  const char* grpc_method;
};

inline constexpr OtlpSignal kTraceSignal{"/v1/traces", transport::kGrpcTraceExportMethod};
inline constexpr OtlpSignal kMetricsSignal{
    "/v1/metrics", "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"};
inline constexpr OtlpSignal kLogsSignal{
    "/v1/logs", "/opentelemetry.proto.collector.logs.v1.LogsService/Export"};

Result<std::unique_ptr<transport::OtlpTransport>> MakeTransport(const OtlpExporterOptions& options,
                                                               const OtlpSignal& signal);

// Thread safety: BeginExport/Send/EndExport from one thread at a time (the exporter's caller);
// Shutdown from any thread: it interrupts a back-off sleep, cancels the request in flight and
// waits (bounded) for the export in progress to end.
class OtlpClient {
 public:
  OtlpClient(std::unique_ptr<transport::OtlpTransport> transport, OtlpExporterOptions options,
             OtlpSignal signal);
  ~OtlpClient();
  OtlpClient(const OtlpClient&) = delete;
  OtlpClient& operator=(const OtlpClient&) = delete;

  // False after Shutdown (send nothing); otherwise an export is in progress until EndExport.
  bool BeginExport();
  void EndExport();
  // Sends with retries, giving up at min(deadline, now + options.timeout).
  transport::SendResult Send(std::string_view body, SteadyClock::time_point deadline);
  // Idempotent.
  void Shutdown(SteadyClock::time_point deadline);
  // In a forked child: abandons the inherited transport (its connection belongs to the parent,
  // whose worker may have been inside it) and opens a fresh one. On failure the client stays
  // shut down and the error is returned.
  Status AfterForkChild();

 private:
  std::unique_ptr<transport::OtlpTransport> transport_;  // replaced only in a forked child
  const OtlpExporterOptions options_;
  const OtlpSignal signal_;
  transport::Interrupter interrupter_;

  std::mutex mu_;
  std::condition_variable idle_cv_;
  bool shutdown_ = false;   // GUARDED_BY(mu_)
  bool exporting_ = false;  // GUARDED_BY(mu_)
};

}  // namespace ptx::export_internal
