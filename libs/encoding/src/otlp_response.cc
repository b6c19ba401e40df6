#include "ptx/encoding/otlp_response.h"

#include "ptx/base/proto_wire.h"

namespace ptx::encoding {
namespace {

// Export*ServiceResponse { Export*PartialSuccess partial_success = 1; } where the partial
// success holds int64 rejected_<items> = 1 and string error_message = 2, in all three signals.
// As with protobuf's parser: a repeated message field merges, the last scalar wins, unknown
// fields and known fields of an unexpected wire type are skipped.
Result<PartialSuccess> Decode(std::string_view body, const char* what) {
  PartialSuccess result;
  ProtoWireReader response(body);
  while (response.Next()) {
    if (response.field() != 1 || response.type() != ProtoWireType::kLengthDelimited) continue;
    ProtoWireReader partial(response.bytes());
    while (partial.Next()) {
      if (partial.field() == 1 && partial.type() == ProtoWireType::kVarint) {
        result.rejected = static_cast<int64_t>(partial.varint());
      } else if (partial.field() == 2 && partial.type() == ProtoWireType::kLengthDelimited) {
        result.error_message.assign(partial.bytes());
      }
    }
    if (!partial.ok()) return InvalidArgumentError(std::string("malformed ") + what);
  }
  if (!response.ok()) return InvalidArgumentError(std::string("malformed ") + what);
  return result;
}

}  // namespace

Result<PartialSuccess> DecodeTraceResponse(std::string_view body) {
  return Decode(body, "ExportTraceServiceResponse");
}

Result<PartialSuccess> DecodeMetricsResponse(std::string_view body) {
  return Decode(body, "ExportMetricsServiceResponse");
}

Result<PartialSuccess> DecodeLogsResponse(std::string_view body) {
  return Decode(body, "ExportLogsServiceResponse");
}

}  // namespace ptx::encoding
