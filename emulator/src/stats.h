// Counters of what the emulator received and rejected, per signal and per protocol.
//
//   stats.RecordAccepted(Signal::kTraces, Protocol::kGrpc, /*items=*/3);
//   StatsSnapshot s = stats.Snapshot();
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace ptx::emulator {

enum class Signal { kTraces, kMetrics, kLogs };
inline constexpr size_t kSignalCount = 3;

// How a request reached us. kHttpOther is an HTTP request that never got as far as a payload
// encoding (wrong method, unknown content type).
enum class Protocol { kGrpc, kHttpProtobuf, kHttpJson, kHttpOther };
inline constexpr size_t kProtocolCount = 4;

// "traces", "metrics", "logs".
const char* SignalName(Signal signal);
// "grpc", "http_protobuf", "http_json", "http_other".
const char* ProtocolName(Protocol protocol);

struct Counts {
  uint64_t requests = 0;           // accepted requests (including partial success)
  uint64_t items = 0;              // spans, data points or log records accepted
  uint64_t rejected_requests = 0;  // requests answered with an error
  uint64_t rejected_items = 0;     // items refused through partial success
};

// Requests on the SLS listener (every API), and what PutLogs wrote.
struct SlsCounts {
  uint64_t requests = 0;           // answered 2xx
  uint64_t rejected_requests = 0;  // answered with an SLS error
  uint64_t log_groups = 0;         // log groups accepted by PutLogs
  uint64_t logs = 0;               // logs accepted by PutLogs
};

struct StatsSnapshot {
  std::array<std::array<Counts, kProtocolCount>, kSignalCount> by_signal_protocol;
  SlsCounts sls;
  uint64_t faults_injected = 0;  // requests a fault was applied to (delays included)
};

// Lock-free counters. Thread-safe.
class Stats {
 public:
  void RecordAccepted(Signal signal, Protocol protocol, uint64_t items, uint64_t rejected_items);
  void RecordRejected(Signal signal, Protocol protocol);
  void RecordSlsRequest(bool accepted);
  void RecordSlsPut(uint64_t log_groups, uint64_t logs);
  void RecordFaultInjected();
  StatsSnapshot Snapshot() const;
  void Reset();

 private:
  struct AtomicCounts {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> items{0};
    std::atomic<uint64_t> rejected_requests{0};
    std::atomic<uint64_t> rejected_items{0};
  };
  AtomicCounts& At(Signal signal, Protocol protocol) {
    return counts_[static_cast<size_t>(signal)][static_cast<size_t>(protocol)];
  }
  std::array<std::array<AtomicCounts, kProtocolCount>, kSignalCount> counts_;
  std::atomic<uint64_t> sls_requests_{0};
  std::atomic<uint64_t> sls_rejected_requests_{0};
  std::atomic<uint64_t> sls_log_groups_{0};
  std::atomic<uint64_t> sls_logs_{0};
  std::atomic<uint64_t> faults_injected_{0};
};

}  // namespace ptx::emulator
