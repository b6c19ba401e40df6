// Internal: what both OTLP/gRPC transports (libcurl HTTP/2 and the grpc++ plugin) share: option
// validation and the classification of a finished call for the retry policy.
//
//   if (Status s = internal::ValidateGrpcOptions(options); !s.ok()) return s;
//   SendResult r = internal::ClassifyGrpcCall(call);  // call: code, message, trailers
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ptx/base/status.h"
#include "ptx/transport/otlp_grpc_transport.h"
#include "ptx/transport/otlp_transport.h"

namespace ptx::transport::internal {

// opentelemetry-python reads a bare google.rpc.RetryInfo from this trailer; collectors send the
// full google.rpc.Status in grpc-status-details-bin. Both are honoured.
inline constexpr char kRetryInfoTrailer[] = "google.rpc.retryinfo-bin";
inline constexpr char kStatusDetailsTrailer[] = "grpc-status-details-bin";

// The outcome of one finished unary call, as either transport observed it.
struct GrpcCallOutcome {
  StatusCode code = StatusCode::kOk;
  std::string message;                     // grpc-message, decoded
  std::string target;                      // for the error message
  std::string status_details;              // grpc-status-details-bin, decoded; may be empty
  std::optional<std::string> retry_info;   // google.rpc.retryinfo-bin, decoded, if sent
  bool cancelled_by_us = false;            // Cancel() was called: never retryable
  std::string response;                    // the response message when code is kOk
};

// OTLP's rules: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS
// are retryable; RESOURCE_EXHAUSTED only with a RetryInfo (whose delay is then honoured).
bool IsRetryableGrpcCode(StatusCode code);
SendResult ClassifyGrpcCall(GrpcCallOutcome outcome);

// Lowercases metadata names in place, then checks the target, compression, metadata and CA
// file: kInvalidArgument naming the first problem.
Status ValidateGrpcOptions(OtlpGrpcTransportOptions& options);

}  // namespace ptx::transport::internal
