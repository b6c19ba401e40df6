// Internal: one OTLP export through an OtlpClient, the part every OTLP signal exporter shares:
// the shutdown check, encoding, sending with retries, partial-success accounting and counters.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "otlp_client.h"
#include "ptx/base/clock.h"
#include "ptx/base/status.h"
#include "ptx/encoding/otlp_response.h"

namespace ptx::export_internal {

// Where an export's outcome is counted, in items (spans, data points, log records).
struct OtlpExportCounters {
  std::atomic<uint64_t>* exported;
  std::atomic<uint64_t>* failed;
  std::atomic<uint64_t>* rejected;
  std::atomic<uint64_t>* retries;
  std::atomic<uint64_t>* requests = nullptr;  // optional
};

struct OtlpExportCall {
  uint64_t count = 0;   // items in the request; 0 sends nothing
  const char* noun;     // "log records", for messages
  std::function<std::string()> encode;  // the serialized request; empty = too large
  Result<encoding::PartialSuccess> (*decode)(std::string_view body);
};

// Ok when the receiver accepted the request (a partial success is reported as kDataLoss
// through `report`, counted as rejected, and still ok). FailedPrecondition after Shutdown.
// Every failure is counted and reported once. Runs on the exporting thread.
Status RunOtlpExport(OtlpClient& client, const OtlpExportCall& call,
                     SteadyClock::time_point deadline, const OtlpExportCounters& counters,
                     const std::function<void(const Status&)>& report);

}  // namespace ptx::export_internal
