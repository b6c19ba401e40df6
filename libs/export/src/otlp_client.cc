#include "otlp_client.h"

#include <algorithm>
#include <new>
#include <string>
#include <utility>

#include "ptx/transport/otlp_grpc_transport.h"
#include "ptx/transport/otlp_http_transport.h"

namespace ptx::export_internal {

Result<std::unique_ptr<transport::OtlpTransport>> MakeTransport(const OtlpExporterOptions& options,
                                                               const OtlpSignal& signal) {
  std::string user_agent =
      options.user_agent.empty() ? DefaultOtlpUserAgent() : options.user_agent;
  if (options.protocol == OtlpExporterOptions::Protocol::kHttpProtobuf) {
    transport::OtlpHttpTransportOptions http;
    http.url = ResolveHttpUrl(options.endpoint, signal.http_path);
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
  grpc.method = signal.grpc_method;
  grpc.headers = options.headers;
  grpc.compression = options.compression;
  grpc.user_agent = std::move(user_agent);
  auto t = transport::OtlpGrpcTransport::Create(std::move(grpc));
  if (!t.ok()) return t.status();
  return std::unique_ptr<transport::OtlpTransport>(std::move(t).value());
}

OtlpClient::OtlpClient(std::unique_ptr<transport::OtlpTransport> transport,
                       OtlpExporterOptions options, OtlpSignal signal)
    : transport_(std::move(transport)), options_(std::move(options)), signal_(signal) {}

OtlpClient::~OtlpClient() { Shutdown(SteadyClock::now()); }

bool OtlpClient::BeginExport() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return false;
  exporting_ = true;
  return true;
}

void OtlpClient::EndExport() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    exporting_ = false;
  }
  idle_cv_.notify_all();
}

transport::SendResult OtlpClient::Send(std::string_view body, SteadyClock::time_point deadline) {
  const SteadyClock::time_point effective =
      std::min(deadline, SteadyClock::now() + options_.timeout);
  return transport::SendWithRetry(*transport_, body, effective, options_.retry, interrupter_);
}

void OtlpClient::Shutdown(SteadyClock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  interrupter_.Interrupt();
  if (transport_) transport_->Cancel();
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait_until(lock, deadline, [this] { return !exporting_; });
}

Status OtlpClient::AfterForkChild() {
  // Only the forking thread exists here; the old transport may hold locks of a thread that is
  // gone, so it is leaked rather than destroyed, and so are the synchronization objects.
  (void)transport_.release();
  new (&mu_) std::mutex();
  new (&idle_cv_) std::condition_variable();
  new (&interrupter_) transport::Interrupter();
  exporting_ = false;
  auto fresh = MakeTransport(options_, signal_);
  if (!fresh.ok()) {
    // Cannot happen for options that worked in the parent; stay usable as a failing exporter.
    shutdown_ = true;
    return fresh.status();
  }
  transport_ = std::move(fresh).value();
  return Status::Ok();
}

}  // namespace ptx::export_internal
