// The interface between the batch processor and whatever sends spans somewhere.
//
//   class MyExporter : public ptx::SpanExporter { ... };
//   ptx::BatchSpanProcessor p(std::make_unique<MyExporter>(), options);
#pragma once

#include <memory>
#include <vector>

#include "ptx/base/clock.h"
#include "ptx/base/status.h"
#include "ptx/sdk/span_data.h"

namespace ptx {

using SpanBatch = std::vector<std::unique_ptr<SpanData>>;

// Called from one background thread at a time (the processor never exports concurrently).
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // Sends the batch, retrying as the policy allows, and returns before `deadline`.
  virtual Status Export(const SpanBatch& batch, SteadyClock::time_point deadline) = 0;
  // Releases connections; later Export calls fail fast. Bounded by deadline.
  virtual void Shutdown(SteadyClock::time_point deadline) {}
  // Called in a forked child before its new worker thread starts, on the only thread there is.
  // Connections, sockets and client libraries inherited from the parent (possibly mid-export)
  // must be dropped and recreated lazily; the default does nothing.
  virtual void AfterForkChild() {}
};

}  // namespace ptx
