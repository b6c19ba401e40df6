// The OTLP/gRPC receiver: TraceService, MetricsService and LogsService Export on --otlp-grpc.
//
//   OtlpGrpcReceiver receiver(&ingest, &stats, {.max_body_bytes = limit});
//   Result<int> port = receiver.Start(host_port);   ...   receiver.Shutdown();
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "faults.h"
#include "ingest.h"
#include "options.h"
#include "ptx/base/status.h"
#include "stats.h"

namespace grpc {
class Server;
}

namespace ptx::emulator {

struct OtlpGrpcOptions {
  // Largest request message after decompression.
  size_t max_body_bytes = size_t{20} << 20;
  // When non-empty, calls must carry metadata "authorization: Bearer <token>".
  std::string bearer_token;
  // Faults to apply (target otlp-grpc, path = the full method name), or none.
  FaultTable* faults = nullptr;
};

// A grpc-status-details-bin value: google.rpc.Status{code, message}, plus a
// google.rpc.RetryInfo detail when retry_delay_ms is set.
std::string EncodeGrpcStatusDetails(int code, const std::string& message,
                                    std::optional<int64_t> retry_delay_ms);

// Requests arrive as raw bytes (a generic service) so that an undecodable payload is answered
// with INVALID_ARGUMENT, and both protocols share OtlpIngest. Start/Shutdown from one thread;
// calls are served on gRPC's threads.
class OtlpGrpcReceiver {
 public:
  OtlpGrpcReceiver(OtlpIngest* ingest, Stats* stats, OtlpGrpcOptions options);
  ~OtlpGrpcReceiver();
  OtlpGrpcReceiver(const OtlpGrpcReceiver&) = delete;
  OtlpGrpcReceiver& operator=(const OtlpGrpcReceiver&) = delete;

  // Binds and serves; returns the actual port.
  Result<int> Start(const HostPort& address);
  // Finishes in-flight calls (cancelling them after a short grace period). Idempotent.
  void Shutdown();

  class Service;  // the generic service, defined in otlp_grpc.cc

 private:
  size_t max_body_bytes_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace ptx::emulator
