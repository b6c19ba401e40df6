#include "ptx/export/otlp_span_exporter.h"

#include <algorithm>
#include <string>

#include "ptx/encoding/otlp_response.h"
#include "ptx/encoding/otlp_trace.h"
#include "ptx/transport/otlp_grpc_transport.h"
#include "ptx/transport/otlp_http_transport.h"

namespace ptx {
namespace {

constexpr char kTracesPath[] = "/v1/traces";

Result<std::unique_ptr<transport::OtlpTransport>> MakeTransport(
    const OtlpExporterOptions& options) {
  std::string user_agent =
      options.user_agent.empty() ? DefaultOtlpUserAgent() : options.user_agent;
  if (options.protocol == OtlpExporterOptions::Protocol::kHttpProtobuf) {
    transport::OtlpHttpTransportOptions http;
    http.url = ResolveHttpUrl(options.endpoint, kTracesPath);
    http.headers = options.headers;
    http.compression = options.compression;
    http.client.ca_file = options.ca_file;
    http.client.user_agent = std::move(user_agent);
    auto t = transport::OtlpHttpTransport::Create(std::move(http));
    if (!t.ok()) return t.status();
    return std::unique_ptr<transport::OtlpTransport>(std::move(t).value());
  }
  Result<GrpcEndpoint> endpoint = ResolveGrpcEndpoint(options.endpoint);
  if (!endpoint.ok()) return endpoint.status();
  transport::OtlpGrpcTransportOptions grpc;
  grpc.target = endpoint->target;
  grpc.secure = endpoint->secure;
  grpc.ca_file = options.ca_file;
  grpc.headers = options.headers;
  grpc.compression = options.compression;
  grpc.user_agent = std::move(user_agent);
  auto t = transport::OtlpGrpcTransport::Create(std::move(grpc));
  if (!t.ok()) return t.status();
  return std::unique_ptr<transport::OtlpTransport>(std::move(t).value());
}

}  // namespace

Result<std::unique_ptr<OtlpSpanExporter>> OtlpSpanExporter::Create(OtlpExporterOptions options,
                                                                   Resource resource,
                                                                   ErrorHook on_error) {
  auto t = MakeTransport(options);
  if (!t.ok()) return t.status();
  return std::make_unique<OtlpSpanExporter>(std::move(t).value(), std::move(resource),
                                            std::move(options), std::move(on_error));
}

OtlpSpanExporter::OtlpSpanExporter(std::unique_ptr<transport::OtlpTransport> transport,
                                   Resource resource, OtlpExporterOptions options,
                                   ErrorHook on_error)
    : transport_(std::move(transport)),
      resource_(std::move(resource)),
      options_(std::move(options)),
      on_error_(std::move(on_error)) {}

OtlpSpanExporter::~OtlpSpanExporter() { Shutdown(SteadyClock::now()); }

Status OtlpSpanExporter::Export(const SpanBatch& batch, SteadyClock::time_point deadline) {
  const uint64_t count = static_cast<uint64_t>(
      std::count_if(batch.begin(), batch.end(), [](const auto& span) { return span != nullptr; }));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_) {
      stats_.failed_spans += count;
      return Status(StatusCode::kFailedPrecondition, "OTLP exporter is shut down");
    }
    exporting_ = true;
  }
  Status result = [&]() -> Status {
    if (count == 0) return Status::Ok();
    std::string body = encoding::EncodeTraceRequest(resource_, batch);
    if (body.empty()) {
      return ResourceExhaustedError("OTLP: request for " + std::to_string(count) +
                                    " spans exceeds the 2 GiB protobuf limit");
    }
    SteadyClock::time_point effective = std::min(deadline, SteadyClock::now() + options_.timeout);
    transport::SendResult sent =
        transport::SendWithRetry(*transport_, body, effective, options_.retry, interrupter_);
    stats_.retries += static_cast<uint64_t>(std::max(sent.attempts - 1, 0));
    if (!sent.status.ok()) return sent.status;

    uint64_t rejected = 0;
    Result<encoding::PartialSuccess> partial = encoding::DecodeTraceResponse(sent.response_body);
    if (partial.ok() && (partial->rejected > 0 || !partial->error_message.empty())) {
      rejected = std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(partial->rejected, 0)),
                                    count);
      Report(Status(StatusCode::kDataLoss,
                    "OTLP partial success: " + std::to_string(partial->rejected) +
                        " spans rejected" +
                        (partial->error_message.empty() ? "" : ": " + partial->error_message)));
    }
    stats_.rejected_spans += rejected;
    stats_.exported_spans += count - rejected;
    return Status::Ok();
  }();
  if (!result.ok()) {
    stats_.failed_spans += count;
    Report(result);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    exporting_ = false;
  }
  idle_cv_.notify_all();
  return result;
}

void OtlpSpanExporter::Shutdown(SteadyClock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  interrupter_.Interrupt();
  if (transport_) transport_->Cancel();
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait_until(lock, deadline, [this] { return !exporting_; });
}

void OtlpSpanExporter::AfterForkChild() {
  // Only the forking thread exists here; the old transport may hold locks of a thread that is
  // gone, so it is leaked rather than destroyed.
  (void)transport_.release();
  new (&mu_) std::mutex();
  new (&idle_cv_) std::condition_variable();
  new (&interrupter_) transport::Interrupter();
  exporting_ = false;
  auto fresh = MakeTransport(options_);
  if (fresh.ok()) {
    transport_ = std::move(fresh).value();
  } else {
    // Cannot happen for options that worked in the parent; stay usable as a failing exporter.
    Report(fresh.status());
    shutdown_ = true;
  }
}

void OtlpSpanExporter::Report(const Status& status) {
  if (on_error_) on_error_(status);
}

}  // namespace ptx
