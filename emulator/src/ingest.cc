#include "ingest.h"

#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "any_value.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp_json.h"
#include "otlp_records.h"
#include "ptx/base/clock.h"
#include "sls_otlp.h"

namespace ptx::emulator {
namespace {

template <typename Message>
Status Decode(PayloadFormat format, std::string_view payload, Message* out) {
  if (format == PayloadFormat::kJson) return OtlpJsonToMessage(payload, out);
  if (!out->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return InvalidArgumentError("payload is not a valid protobuf " +
                                std::string(Message::descriptor()->name()));
  }
  return Status::Ok();
}

}  // namespace

Result<IngestOutcome> OtlpIngest::Ingest(Signal signal, PayloadFormat format,
                                         std::string_view payload, const Origin& origin) {
  if (payload.size() > static_cast<size_t>(INT32_MAX)) {
    return InvalidArgumentError("payload too large to decode");
  }
  switch (signal) {
    case Signal::kTraces:
      return IngestTraces(format, payload, origin);
    case Signal::kMetrics:
      return IngestMetrics(format, payload, origin);
    case Signal::kLogs:
      return IngestLogs(format, payload, origin);
  }
  return InvalidArgumentError("unknown signal");
}

Result<IngestOutcome> OtlpIngest::IngestTraces(PayloadFormat format, std::string_view payload,
                                               const Origin& origin) {
  auto request = NewArenaMessage<collector_trace::ExportTraceServiceRequest>(payload.size());
  Status s = Decode(format, payload, request.get());
  if (!s.ok()) return s;

  IngestOutcome outcome;
  SplitOutcome split;
  std::vector<SpanRecord> records =
      SpansFromRequest(std::move(request), std::make_shared<const Origin>(origin), &split);
  outcome.rejected = split.rejected;
  outcome.error_message = split.first_defect;
  outcome.accepted = records.size();
  if (outcome.rejected > 0) {
    outcome.error_message = std::to_string(outcome.rejected) + " span(s) rejected: " +
                            outcome.error_message;
  }
  if (!records.empty()) {
    if (WritesThrough(origin)) {
      uint64_t now = NowUnixNanos();
      sls_store_->Append(origin.sls_project,
                         TraceInstanceLogStore(origin.sls_instance_id, Signal::kTraces),
                         SpansToSlsLogGroup(records), static_cast<int64_t>(now / 1'000'000'000));
    }
    if (Status stored = store_->AddSpans(std::move(records)); !stored.ok()) return stored;
  }
  return outcome;
}

Result<IngestOutcome> OtlpIngest::IngestLogs(PayloadFormat format, std::string_view payload,
                                             const Origin& origin) {
  auto request = NewArenaMessage<collector_logs::ExportLogsServiceRequest>(payload.size());
  Status s = Decode(format, payload, request.get());
  if (!s.ok()) return s;

  std::vector<LogRecordEntry> records =
      LogsFromRequest(std::move(request), std::make_shared<const Origin>(origin));
  IngestOutcome outcome;
  outcome.accepted = records.size();
  if (!records.empty()) {
    if (WritesThrough(origin)) {
      uint64_t now = NowUnixNanos();
      sls_store_->Append(origin.sls_project,
                         TraceInstanceLogStore(origin.sls_instance_id, Signal::kLogs),
                         LogsToSlsLogGroup(records, now),
                         static_cast<int64_t>(now / 1'000'000'000));
    }
    if (Status stored = store_->AddLogs(std::move(records)); !stored.ok()) return stored;
  }
  return outcome;
}

Result<IngestOutcome> OtlpIngest::IngestMetrics(PayloadFormat format, std::string_view payload,
                                                const Origin& origin) {
  collector_metrics::ExportMetricsServiceRequest request;
  Status s = Decode(format, payload, &request);
  if (!s.ok()) return s;

  std::vector<MetricPoint> points =
      PointsFromRequest(request, std::make_shared<const Origin>(origin));
  IngestOutcome outcome;
  outcome.accepted = points.size();
  if (!points.empty()) {
    if (WritesThrough(origin)) {
      uint64_t now = NowUnixNanos();
      sls_store_->Append(origin.sls_project,
                         TraceInstanceLogStore(origin.sls_instance_id, Signal::kMetrics),
                         MetricsToSlsLogGroup(points, now),
                         static_cast<int64_t>(now / 1'000'000'000));
    }
    if (Status stored = store_->AddMetricPoints(std::move(points)); !stored.ok()) return stored;
  }
  return outcome;
}

std::string EncodeExportResponse(Signal signal, PayloadFormat format,
                                 const IngestOutcome& outcome) {
  auto finish = [&](google::protobuf::Message& response) {
    if (format == PayloadFormat::kProtobuf) return response.SerializeAsString();
    Result<std::string> json = MessageToOtlpJson(response);
    return json.ok() ? *json : std::string("{\"partialSuccess\":{}}");
  };
  bool partial = outcome.rejected > 0 || !outcome.error_message.empty();
  bool set = partial || format == PayloadFormat::kJson;
  switch (signal) {
    case Signal::kTraces: {
      collector_trace::ExportTraceServiceResponse response;
      if (set) {
        auto* p = response.mutable_partial_success();
        p->set_rejected_spans(static_cast<int64_t>(outcome.rejected));
        p->set_error_message(outcome.error_message);
      }
      return finish(response);
    }
    case Signal::kMetrics: {
      collector_metrics::ExportMetricsServiceResponse response;
      if (set) {
        auto* p = response.mutable_partial_success();
        p->set_rejected_data_points(static_cast<int64_t>(outcome.rejected));
        p->set_error_message(outcome.error_message);
      }
      return finish(response);
    }
    case Signal::kLogs: {
      collector_logs::ExportLogsServiceResponse response;
      if (set) {
        auto* p = response.mutable_partial_success();
        p->set_rejected_log_records(static_cast<int64_t>(outcome.rejected));
        p->set_error_message(outcome.error_message);
      }
      return finish(response);
    }
  }
  return "";
}

std::string EncodeRpcStatus(PayloadFormat format, const Status& status) {
  if (format == PayloadFormat::kJson) {
    nlohmann::json body{{"code", static_cast<int>(status.code())}, {"message", status.message()}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  google::rpc::Status body;
  body.set_code(static_cast<int>(status.code()));
  body.set_message(status.message());
  return body.SerializeAsString();
}

}  // namespace ptx::emulator
