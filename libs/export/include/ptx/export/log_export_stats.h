// Counters shared by the log exporters (OTLP and SLS), read by ptx.stats() and tests.
//
//   const ptx::LogExportStats& s = exporter->stats();
//   uint64_t lost = s.failed_logs.load();
#pragma once

#include <atomic>
#include <cstdint>

namespace ptx {

// Monotonic counters, in log records; read them any time from any thread.
struct LogExportStats {
  std::atomic<uint64_t> exported_logs{0};  // accepted by the receiver
  std::atomic<uint64_t> failed_logs{0};    // lost to a failed export (or after shutdown)
  std::atomic<uint64_t> rejected_logs{0};  // reported rejected by an OTLP partial success
  std::atomic<uint64_t> retries{0};        // attempts beyond the first
  std::atomic<uint64_t> requests{0};       // requests accepted (SLS: PutLogs calls)
};

}  // namespace ptx
