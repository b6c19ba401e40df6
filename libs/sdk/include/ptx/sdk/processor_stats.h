// Counters every processor reports (spans or log records alike), summed by ptx.stats().
//
//   ptx::ProcessorStats s = processor.Stats();
//   if (s.dropped > 0) WarnAboutQueueSize(s.dropped);
#pragma once

#include <cstdint>

namespace ptx {

// Monotonic counters since the processor started (or since fork, in a child process).
// Plain value type.
struct ProcessorStats {
  uint64_t queued = 0;           // records accepted into the queue
  uint64_t dropped = 0;          // records refused: queue full, processor shut down, or
                                 // still queued when the shutdown deadline passed
  uint64_t exported = 0;         // records in batches the exporter accepted
  uint64_t export_failures = 0;  // records in batches the exporter failed
};

}  // namespace ptx
