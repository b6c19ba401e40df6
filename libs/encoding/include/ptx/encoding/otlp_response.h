// Decoding of OTLP Export responses (ExportTrace/Metrics/LogsServiceResponse): a 200 or OK
// answer may still report rejected items, which the exporter counts and never retries.
//
//   auto ps = ptx::encoding::DecodeTraceResponse(body);
//   if (ps.ok() && ps->rejected > 0) LogRejected(ps->rejected, ps->error_message);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ptx/base/status.h"

namespace ptx::encoding {

// The response's partial_success; all zero/empty when everything was accepted.
struct PartialSuccess {
  int64_t rejected = 0;       // rejected_spans / rejected_data_points / rejected_log_records
  std::string error_message;  // the server's explanation; may be set even with rejected == 0
};

// Protobuf bodies only; an empty body is full success. InvalidArgument when unparsable.
Result<PartialSuccess> DecodeTraceResponse(std::string_view body);
Result<PartialSuccess> DecodeMetricsResponse(std::string_view body);
Result<PartialSuccess> DecodeLogsResponse(std::string_view body);

}  // namespace ptx::encoding
