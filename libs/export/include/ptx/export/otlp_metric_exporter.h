// The OTLP metric exporter: encodes one collection, sends it over OTLP/HTTP (/v1/metrics) or
// OTLP/gRPC (MetricsService/Export) with the same retries and compression as the span exporter.
//
//   auto exporter = ptx::OtlpMetricExporter::Create(options, resource, on_error);
//   if (exporter.ok()) reader = MakePeriodicReader(std::move(exporter).value());
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "ptx/base/status.h"
#include "ptx/export/otlp_exporter_options.h"
#include "ptx/sdk/metrics/metric_exporter.h"
#include "ptx/sdk/resource.h"
#include "ptx/transport/otlp_transport.h"

namespace ptx {

namespace export_internal {
class OtlpClient;
}  // namespace export_internal

// Monotonic counters, in data points; read them any time from any thread.
struct MetricExportStats {
  std::atomic<uint64_t> exported_points{0};  // accepted by the receiver
  std::atomic<uint64_t> failed_points{0};    // lost to a failed export (or after shutdown)
  std::atomic<uint64_t> rejected_points{0};  // reported rejected by a partial success
  std::atomic<uint64_t> retries{0};          // attempts beyond the first
};

// Thread safety: Export is called by one thread at a time (the reader's worker); Shutdown and
// stats() may be called from any thread. Shutdown interrupts a back-off sleep and cancels the
// request in flight, then waits (bounded) for Export to return.
class OtlpMetricExporter final : public MetricExporter {
 public:
  // Receives every failed export and every partial success (as kDataLoss). Called on the
  // exporting thread, never with a lock held.
  using ErrorHook = std::function<void(const Status&)>;

  // InvalidArgument for an endpoint, compression or header the protocol cannot use.
  static Result<std::unique_ptr<OtlpMetricExporter>> Create(OtlpExporterOptions options,
                                                            Resource resource,
                                                            ErrorHook on_error = nullptr);
  // Over a given transport (fakes, custom wires); of `options` only timeout and retry apply
  // (until a fork reopens the transport from all of them).
  OtlpMetricExporter(std::unique_ptr<transport::OtlpTransport> transport, Resource resource,
                     OtlpExporterOptions options, ErrorHook on_error = nullptr);
  ~OtlpMetricExporter() override;
  OtlpMetricExporter(const OtlpMetricExporter&) = delete;
  OtlpMetricExporter& operator=(const OtlpMetricExporter&) = delete;

  // Ok when the receiver accepted the request, partial success included (never retried).
  // Gives up at min(deadline, now + options.timeout). FailedPrecondition after Shutdown.
  // An empty collection sends nothing.
  Status Export(const std::vector<ScopeMetrics>& metrics,
                SteadyClock::time_point deadline) override;
  // Idempotent. Later Export calls fail at once.
  void Shutdown(SteadyClock::time_point deadline) override;
  // In a forked child: abandons the inherited transport and opens a fresh one.
  void AfterForkChild() override;

  const MetricExportStats& stats() const { return stats_; }

 private:
  void Report(const Status& status);

  const std::unique_ptr<export_internal::OtlpClient> client_;
  const Resource resource_;
  const ErrorHook on_error_;
  MetricExportStats stats_;
};

}  // namespace ptx
