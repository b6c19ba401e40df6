#include "otlp_export_call.h"

#include <algorithm>

namespace ptx::export_internal {

Status RunOtlpExport(OtlpClient& client, const OtlpExportCall& call,
                     SteadyClock::time_point deadline, const OtlpExportCounters& counters,
                     const std::function<void(const Status&)>& report) {
  const auto Report = [&](const Status& s) {
    if (report) report(s);
  };
  if (!client.BeginExport()) {
    *counters.failed += call.count;
    return Status(StatusCode::kFailedPrecondition, "OTLP exporter is shut down");
  }
  Status result = [&]() -> Status {
    if (call.count == 0) return Status::Ok();
    std::string body = call.encode();
    if (body.empty()) {
      return ResourceExhaustedError("OTLP: request for " + std::to_string(call.count) + " " +
                                    call.noun + " exceeds the 2 GiB protobuf limit");
    }
    transport::SendResult sent = client.Send(body, deadline);
    *counters.retries += static_cast<uint64_t>(std::max(sent.attempts - 1, 0));
    if (!sent.status.ok()) return sent.status;
    if (counters.requests != nullptr) ++*counters.requests;

    uint64_t rejected = 0;
    Result<encoding::PartialSuccess> partial = call.decode(sent.response_body);
    if (partial.ok() && (partial->rejected > 0 || !partial->error_message.empty())) {
      rejected = std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(partial->rejected, 0)),
                                    call.count);
      Report(Status(StatusCode::kDataLoss,
                    "OTLP partial success: " + std::to_string(partial->rejected) + " " +
                        call.noun + " rejected" +
                        (partial->error_message.empty() ? "" : ": " + partial->error_message)));
    }
    *counters.rejected += rejected;
    *counters.exported += call.count - rejected;
    return Status::Ok();
  }();
  if (!result.ok()) {
    *counters.failed += call.count;
    Report(result);
  }
  client.EndExport();
  return result;
}

}  // namespace ptx::export_internal
