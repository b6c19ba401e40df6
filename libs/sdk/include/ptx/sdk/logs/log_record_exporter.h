// The interface between a log record processor and whatever sends log records somewhere
// (OTLP, SLS PutLogs, a test fake).
//
//   class MyExporter : public ptx::LogRecordExporter { ... };
//   ptx::BatchLogRecordProcessor p(std::make_unique<MyExporter>(), options);
#pragma once

#include <memory>
#include <vector>

#include "ptx/base/clock.h"
#include "ptx/base/status.h"
#include "ptx/sdk/logs/log_record.h"

namespace ptx {

using LogBatch = std::vector<std::unique_ptr<LogRecordData>>;

// Called from one background thread at a time (the processor never exports concurrently);
// Shutdown may come from another thread and must make a running Export return soon.
class LogRecordExporter {
 public:
  virtual ~LogRecordExporter() = default;
  // Sends the batch (null entries are skipped), retrying as the policy allows, and returns
  // before `deadline`.
  virtual Status Export(const LogBatch& batch, SteadyClock::time_point deadline) = 0;
  // Releases connections; later Export calls fail fast. Bounded by deadline.
  virtual void Shutdown(SteadyClock::time_point deadline) {}
  // Called in a forked child before its new worker thread starts, on the only thread there is:
  // connections inherited from the parent must be dropped and recreated. Default: nothing.
  virtual void AfterForkChild() {}
};

}  // namespace ptx
