// The OTLP/gRPC receiver: TraceService, MetricsService and LogsService Export on --otlp-grpc.
//
//   OtlpGrpcReceiver receiver(&ingest, &stats, {.max_body_bytes = limit});
//   Result<int> port = receiver.Start(host_port);   ...   receiver.Shutdown();
#pragma once

#include <cstddef>
#include <memory>
#include <string>

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
};

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
