// Decoding, validation and storage of OTLP export requests, shared by the gRPC and HTTP
// receivers so that both protocols accept exactly the same payloads.
//
//   OtlpIngest ingest(&store, &sls_store);
//   Result<IngestOutcome> r =
//       ingest.Ingest(Signal::kTraces, PayloadFormat::kProtobuf, body, origin);
//   std::string reply = EncodeExportResponse(Signal::kTraces, PayloadFormat::kProtobuf, *r);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ptx/base/status.h"
#include "sls_store.h"
#include "stats.h"
#include "store.h"

namespace ptx::emulator {

enum class PayloadFormat { kProtobuf, kJson };

struct IngestOutcome {
  uint64_t accepted = 0;      // items (spans, metric data points, log records) stored
  uint64_t rejected = 0;      // items refused, reported through partial success
  std::string error_message;  // why they were refused; "" when none were
};

// Stateless apart from the stores it writes to. Thread-safe.
class OtlpIngest {
 public:
  // Spans, log records and metric data points whose origin names an SLS project and trace instance are also
  // written to sls_store (when not null) as SLS logs.
  OtlpIngest(Store* store, SlsStore* sls_store) : store_(store), sls_store_(sls_store) {}

  // `payload` is already decompressed and within the size limit. InvalidArgument when it
  // does not decode as an export request of `signal`; the store is untouched then.
  Result<IngestOutcome> Ingest(Signal signal, PayloadFormat format, std::string_view payload,
                               const Origin& origin);

 private:
  Result<IngestOutcome> IngestTraces(PayloadFormat format, std::string_view payload,
                                     const Origin& origin);
  Result<IngestOutcome> IngestLogs(PayloadFormat format, std::string_view payload,
                                   const Origin& origin);
  Result<IngestOutcome> IngestMetrics(PayloadFormat format, std::string_view payload,
                                      const Origin& origin);
  bool WritesThrough(const Origin& origin) const {
    return sls_store_ && !origin.sls_project.empty() && !origin.sls_instance_id.empty();
  }

  Store* store_;
  SlsStore* sls_store_;
};

// The Export*ServiceResponse of `signal`: empty on full success, partial_success otherwise.
// JSON always carries "partialSuccess" (the collector's shape).
std::string EncodeExportResponse(Signal signal, PayloadFormat format, const IngestOutcome& outcome);

// A google.rpc.Status body for an error reply.
std::string EncodeRpcStatus(PayloadFormat format, const Status& status);

}  // namespace ptx::emulator
