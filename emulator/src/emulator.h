// ptx-emulator composed: the store, the OTLP receivers (gRPC, HTTP), the query API and the SLS
// listener. main() wraps it with flags and signals; tests run it in-process on ephemeral ports.
//
//   Emulator emulator(options);
//   if (Status s = emulator.Start(); !s.ok()) return 1;
//   std::cout << emulator.ReadyLine() << std::endl;   ...   emulator.Shutdown();
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "faults.h"
#include "ingest.h"
#include "options.h"
#include "ptx/base/status.h"
#include "sls_store.h"
#include "stats.h"
#include "store.h"

namespace ptx::emulator {

class HttpListener;
class OtlpGrpcReceiver;
class OtlpHttpReceiver;
class Persistence;
class QueryApi;
class SlsApi;

// The addresses actually bound (ephemeral ports resolved).
struct BoundAddresses {
  std::string otlp_grpc;
  std::string http;
  std::string sls;
};

// Start and Shutdown from one thread; everything else is thread-safe.
class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Recovers --data-dir and loads --load (when set), binds every listener, then serves. On
  // error nothing keeps running.
  Status Start();
  // Stops every listener and waits for in-flight requests. Idempotent.
  void Shutdown();

  const BoundAddresses& addresses() const { return addresses_; }
  // "ptx-emulator ready otlp-grpc=HOST:PORT http=HOST:PORT sls=HOST:PORT"
  std::string ReadyLine() const;

  Store& store() { return store_; }
  SlsStore& sls_store() { return sls_store_; }
  Stats& stats() { return stats_; }
  FaultTable& faults() { return faults_; }
  Persistence* persistence() { return persistence_.get(); }  // null without --data-dir

 private:
  Status OpenDataDirAndLoad();

  EmulatorOptions options_;
  Store store_;
  SlsStore sls_store_;
  Stats stats_;
  FaultTable faults_;
  OtlpIngest ingest_;
  std::atomic<bool> ready_{false};
  BoundAddresses addresses_;

  std::unique_ptr<Persistence> persistence_;
  std::unique_ptr<OtlpGrpcReceiver> grpc_;
  std::unique_ptr<OtlpHttpReceiver> otlp_http_;
  std::unique_ptr<QueryApi> query_api_;
  std::unique_ptr<SlsApi> sls_api_;
  std::unique_ptr<HttpListener> http_listener_;
  std::unique_ptr<HttpListener> sls_listener_;
};

}  // namespace ptx::emulator
