// The interface between a metric reader and whatever sends collected metrics somewhere.
//
//   class MyExporter : public ptx::MetricExporter { ... };
//   ptx::PeriodicExportingMetricReader reader(std::make_unique<MyExporter>(), options);
#pragma once

#include <vector>

#include "ptx/base/clock.h"
#include "ptx/base/status.h"
#include "ptx/sdk/metrics/metric_data.h"

namespace ptx {

// Called from one thread at a time (a reader never exports concurrently).
class MetricExporter {
 public:
  virtual ~MetricExporter() = default;
  // Sends one collection, retrying as the policy allows, and returns before `deadline`.
  virtual Status Export(const std::vector<ScopeMetrics>& metrics,
                        SteadyClock::time_point deadline) = 0;
  // Releases connections; later Export calls fail fast. Bounded by deadline.
  virtual void Shutdown(SteadyClock::time_point deadline) {}
  // Called in a forked child before the reader's new worker starts, on the only thread there
  // is: drop connections inherited from the parent and recreate them lazily.
  virtual void AfterForkChild() {}
};

}  // namespace ptx
