// The process-wide state behind ptx.init/shutdown/force_flush: the tracer and its pipelines,
// the propagators, and the fork and exit hooks. Every method needs the GIL unless noted.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "config.h"
#include "ptx/context/propagators.h"
#include "ptx/sdk/logs/log_emitter.h"
#include "ptx/sdk/metrics/meter_provider.h"
#include "ptx/sdk/metrics/periodic_exporting_metric_reader.h"
#include "ptx/sdk/tracer.h"

namespace ptx::py {

class Runtime {
 public:
  // Never destroyed: API calls may race with interpreter teardown.
  static Runtime& Get();

  // Raises RuntimeError("pytracingx is already initialized") on a second call.
  void Init(const Config& config);
  // Both wait without the GIL, bounded by timeout_ms.
  bool ForceFlush(int64_t timeout_ms);
  void Shutdown(int64_t timeout_ms);

  // The running tracer, or nullptr before init, after shutdown or when OTEL_SDK_DISABLED.
  // Lock-free; the pointee lives until the process exits.
  Tracer* tracer() const { return tracer_.load(std::memory_order_acquire); }
  // The tracer created by init, also after shutdown (for its counters); nullptr before.
  Tracer* owned_tracer() const { return owned_tracer_.get(); }
  MeterProvider* meter_provider() const { return meter_provider_.get(); }
  // One reader per metric sink, in sink order (owned by meter_provider_, which is never destroyed).
  const std::vector<const PeriodicExportingMetricReader*>& metric_readers() const { return metric_readers_; }
  LogEmitter* owned_log_emitter() const { return owned_log_emitter_.get(); }
  // The running log emitter, or nullptr when not running. Lock-free.
  LogEmitter* log_emitter() const { return log_emitter_.load(std::memory_order_acquire); }
  const Propagators& propagators() const { return *propagators_; }

  // Fork hooks (pthread_atfork, registered by the first successful Init).
  void BeforeFork();
  void AfterForkInParent();
  void AfterForkInChild();

 private:
  Runtime();

  std::atomic<Tracer*> tracer_{nullptr};
  std::unique_ptr<Tracer> owned_tracer_;
  // Never destroyed once created: instrument handles and collector threads may outlive shutdown.
  std::unique_ptr<MeterProvider> meter_provider_;
  std::vector<const PeriodicExportingMetricReader*> metric_readers_;  // guarded by the GIL
  std::atomic<LogEmitter*> log_emitter_{nullptr};
  std::unique_ptr<LogEmitter> owned_log_emitter_;
  std::unique_ptr<Propagators> propagators_;
  bool initialized_ = false;  // guarded by the GIL
  bool shut_down_ = false;     // guarded by the GIL
};

void RegisterLifecycle(pybind11::module_& m);

}  // namespace ptx::py
