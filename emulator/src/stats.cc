#include "stats.h"

namespace ptx::emulator {

const char* SignalName(Signal signal) {
  switch (signal) {
    case Signal::kTraces:
      return "traces";
    case Signal::kMetrics:
      return "metrics";
    case Signal::kLogs:
      return "logs";
  }
  return "unknown";
}

const char* ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kGrpc:
      return "grpc";
    case Protocol::kHttpProtobuf:
      return "http_protobuf";
    case Protocol::kHttpJson:
      return "http_json";
    case Protocol::kHttpOther:
      return "http_other";
  }
  return "unknown";
}

void Stats::RecordAccepted(Signal signal, Protocol protocol, uint64_t items,
                           uint64_t rejected_items) {
  AtomicCounts& c = At(signal, protocol);
  c.requests.fetch_add(1, std::memory_order_relaxed);
  c.items.fetch_add(items, std::memory_order_relaxed);
  c.rejected_items.fetch_add(rejected_items, std::memory_order_relaxed);
}

void Stats::RecordRejected(Signal signal, Protocol protocol) {
  At(signal, protocol).rejected_requests.fetch_add(1, std::memory_order_relaxed);
}

void Stats::RecordSlsRequest(bool accepted) {
  (accepted ? sls_requests_ : sls_rejected_requests_).fetch_add(1, std::memory_order_relaxed);
}

void Stats::RecordSlsPut(uint64_t log_groups, uint64_t logs) {
  sls_log_groups_.fetch_add(log_groups, std::memory_order_relaxed);
  sls_logs_.fetch_add(logs, std::memory_order_relaxed);
}

void Stats::RecordFaultInjected() { faults_injected_.fetch_add(1, std::memory_order_relaxed); }

StatsSnapshot Stats::Snapshot() const {
  StatsSnapshot out;
  for (size_t s = 0; s < kSignalCount; ++s) {
    for (size_t p = 0; p < kProtocolCount; ++p) {
      const AtomicCounts& c = counts_[s][p];
      Counts& o = out.by_signal_protocol[s][p];
      o.requests = c.requests.load(std::memory_order_relaxed);
      o.items = c.items.load(std::memory_order_relaxed);
      o.rejected_requests = c.rejected_requests.load(std::memory_order_relaxed);
      o.rejected_items = c.rejected_items.load(std::memory_order_relaxed);
    }
  }
  out.sls.requests = sls_requests_.load(std::memory_order_relaxed);
  out.sls.rejected_requests = sls_rejected_requests_.load(std::memory_order_relaxed);
  out.sls.log_groups = sls_log_groups_.load(std::memory_order_relaxed);
  out.sls.logs = sls_logs_.load(std::memory_order_relaxed);
  out.faults_injected = faults_injected_.load(std::memory_order_relaxed);
  return out;
}

void Stats::Reset() {
  for (auto& row : counts_) {
    for (AtomicCounts& c : row) {
      c.requests.store(0, std::memory_order_relaxed);
      c.items.store(0, std::memory_order_relaxed);
      c.rejected_requests.store(0, std::memory_order_relaxed);
      c.rejected_items.store(0, std::memory_order_relaxed);
    }
  }
  for (auto* counter : {&sls_requests_, &sls_rejected_requests_, &sls_log_groups_, &sls_logs_,
                       &faults_injected_}) {
    counter->store(0, std::memory_order_relaxed);
  }
}

}  // namespace ptx::emulator
