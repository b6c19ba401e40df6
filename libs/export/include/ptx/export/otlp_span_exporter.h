// The OTLP span exporter: encodes a batch, sends it over OTLP/HTTP or OTLP/gRPC with retries,
// and keeps counters. This is what the batch span processor calls.
//
//   auto exporter = ptx::OtlpSpanExporter::Create(options, resource, on_error);
//   if (exporter.ok()) processor = MakeBatchProcessor(std::move(exporter).value());
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "ptx/base/status.h"
#include "ptx/export/otlp_exporter_options.h"
#include "ptx/sdk/exporter.h"
#include "ptx/sdk/resource.h"
#include "ptx/transport/otlp_transport.h"
#include "ptx/transport/retry.h"

namespace ptx {

namespace export_internal {
class OtlpClient;
}  // namespace export_internal

// Monotonic counters; read them any time from any thread.
struct ExportStats {
  std::atomic<uint64_t> exported_spans{0};  // accepted by the receiver
  std::atomic<uint64_t> failed_spans{0};    // lost to a failed export (or after shutdown)
  std::atomic<uint64_t> rejected_spans{0};  // reported rejected by a partial success
  std::atomic<uint64_t> retries{0};         // attempts beyond the first
};

// Thread safety: Export is called by one thread at a time (the processor's worker); Shutdown
// and stats() may be called from any thread. Shutdown interrupts a back-off sleep and
// cancels the request in flight, then waits (bounded) for Export to return.
class OtlpSpanExporter final : public SpanExporter {
 public:
  // Receives every failed export and every partial success (as kDataLoss: the receiver
  // dropped spans). Called on the exporting thread, never with a lock held; the caller's
  // diagnostics decide how to print (rate limits included).
  using ErrorHook = std::function<void(const Status&)>;

  // InvalidArgument for an endpoint, compression or header the protocol cannot use.
  static Result<std::unique_ptr<OtlpSpanExporter>> Create(OtlpExporterOptions options,
                                                          Resource resource,
                                                          ErrorHook on_error = nullptr);
  // Over a given transport (fakes, custom wires); of `options` only timeout and retry apply.
  OtlpSpanExporter(std::unique_ptr<transport::OtlpTransport> transport, Resource resource,
                   OtlpExporterOptions options, ErrorHook on_error = nullptr);
  ~OtlpSpanExporter() override;
  OtlpSpanExporter(const OtlpSpanExporter&) = delete;
  OtlpSpanExporter& operator=(const OtlpSpanExporter&) = delete;

  // Ok when the receiver accepted the request, partial success included (never retried).
  // Gives up at min(deadline, now + options.timeout). FailedPrecondition after Shutdown.
  Status Export(const SpanBatch& batch, SteadyClock::time_point deadline) override;
  // Idempotent. Later Export calls fail at once.
  void Shutdown(SteadyClock::time_point deadline) override;
  // In a forked child: abandons the inherited transport (its connection belongs to the parent,
  // and the parent's worker may have been inside it) and opens a fresh one.
  void AfterForkChild() override;

  const ExportStats& stats() const { return stats_; }

 private:
  void Report(const Status& status);

  const std::unique_ptr<export_internal::OtlpClient> client_;
  const Resource resource_;
  const ErrorHook on_error_;
  ExportStats stats_;
};

}  // namespace ptx
