#include "emulator.h"

#include <fstream>
#include <sstream>

#include "http_listener.h"
#include "otlp_archive.h"
#include "persistence.h"
#include "otlp_grpc.h"
#include "otlp_http.h"
#include "query_api.h"
#include "sls_api.h"
#include "web_ui.h"

namespace ptx::emulator {

Emulator::Emulator(EmulatorOptions options)
    : options_(std::move(options)),
      store_(StoreOptions{options_.max_spans, options_.max_logs, options_.max_metric_points,
                          options_.max_span_bytes, options_.max_log_bytes,
                          options_.max_metric_point_bytes}),
      sls_store_(SlsStoreOptions{options_.max_sls_logs, options_.max_sls_log_bytes}),
      ingest_(&store_, &sls_store_) {}

Emulator::~Emulator() { Shutdown(); }

Status Emulator::Start() {
  Result<HostPort> grpc_address = ParseHostPort(options_.otlp_grpc_address);
  if (!grpc_address.ok()) return grpc_address.status();
  Result<HostPort> http_address = ParseHostPort(options_.http_address);
  if (!http_address.ok()) return http_address.status();
  Result<HostPort> sls_address = ParseHostPort(options_.sls_address);
  if (!sls_address.ok()) return sls_address.status();
  if (Status s = OpenDataDirAndLoad(); !s.ok()) return s;

  otlp_http_ = std::make_unique<OtlpHttpReceiver>(
      &ingest_, &stats_,
      OtlpHttpOptions{options_.max_body_bytes, options_.bearer_token, &faults_});
  query_api_ = std::make_unique<QueryApi>(&store_, &sls_store_, &stats_,
                                          [this] { return ready_.load(); });
  query_api_->set_faults(&faults_);
  SlsApiOptions sls_api_options;
  sls_api_options.credentials = options_.credentials;
  sls_api_options.faults = &faults_;
  sls_api_ = std::make_unique<SlsApi>(&sls_store_, &stats_, std::move(sls_api_options));

  HttpListenerOptions http_options;
  http_options.max_request_bytes = otlp_http_->max_wire_bytes();
  http_options.may_stream = [](const httplib::Request& req) {
    return req.method == "POST" && OtlpHttpReceiver::IsOtlpPath(req.path);
  };
  OtlpHttpReceiver* otlp_http = otlp_http_.get();
  http_options.render_error = [otlp_http](const httplib::Request& req, httplib::Response& res,
                                          int status, const std::string& message) {
    if (OtlpHttpReceiver::IsOtlpPath(req.path)) {
      otlp_http->RenderListenerError(req, res, status, message);
    } else {
      QueryApi::RenderError(res, status, message);
    }
  };
  http_listener_ = std::make_unique<HttpListener>("http", std::move(http_options));
  otlp_http_->Register(http_listener_->server());
  query_api_->Register(http_listener_->server());
  RegisterWebUi(http_listener_->server());
  RegisterArchiveApi(http_listener_->server(), &store_, &ingest_);

  HttpListenerOptions sls_options;
  sls_options.max_request_bytes = options_.max_body_bytes;
  sls_options.render_error = [](const httplib::Request&, httplib::Response& res, int status,
                                const std::string& message) {
    const char* code = status == 413   ? "PostBodyTooLarge"
                       : status == 411 ? "MissingContentLength"
                       : status == 500 ? "InternalServerError"
                                       : "InvalidRequest";
    SlsApi::RenderError(res, status, code, message);
  };
  sls_listener_ = std::make_unique<HttpListener>("sls", std::move(sls_options));
  sls_api_->Register(sls_listener_->server());

  Result<int> http_port = http_listener_->Bind(*http_address);
  if (!http_port.ok()) return http_port.status();
  Result<int> sls_port = sls_listener_->Bind(*sls_address);
  if (!sls_port.ok()) return sls_port.status();

  grpc_ = std::make_unique<OtlpGrpcReceiver>(
      &ingest_, &stats_,
      OtlpGrpcOptions{options_.max_body_bytes, options_.bearer_token, &faults_});
  Result<int> grpc_port = grpc_->Start(*grpc_address);
  if (!grpc_port.ok()) return grpc_port.status();

  http_listener_->Start();
  sls_listener_->Start();
  addresses_.otlp_grpc = FormatHostPort(grpc_address->host, *grpc_port);
  addresses_.http = FormatHostPort(http_address->host, *http_port);
  addresses_.sls = FormatHostPort(sls_address->host, *sls_port);
  ready_ = true;
  return Status::Ok();
}

void Emulator::Shutdown() {
  ready_ = false;
  // Listeners first: no handler may run once the objects it points at are destroyed.
  if (http_listener_) http_listener_->Stop();
  if (sls_listener_) sls_listener_->Stop();
  if (grpc_) grpc_->Shutdown();
  persistence_.reset();  // last: syncs the log and unlocks --data-dir
}

Status Emulator::OpenDataDirAndLoad() {
  if (!options_.data_dir.empty()) {
    PersistenceOptions persistence;
    persistence.wal.dir = options_.data_dir;
    persistence.wal.segment_bytes = options_.wal_segment_bytes;
    if (!ParseFsyncPolicy(options_.fsync, &persistence.wal.fsync)) {
      return InvalidArgumentError("--fsync: unknown policy '" + options_.fsync + "'");
    }
    auto opened = Persistence::Open(std::move(persistence), &store_, &sls_store_);
    if (!opened.ok()) return opened.status();
    persistence_ = std::move(opened).value();
  }
  if (!options_.load_file.empty()) {
    std::ifstream file(options_.load_file, std::ios::binary);
    if (!file) return InvalidArgumentError("--load: cannot read " + options_.load_file);
    std::stringstream contents;
    contents << file.rdbuf();
    Result<ImportSummary> loaded = ImportLines(&ingest_, contents.str());
    if (!loaded.ok()) {
      return InvalidArgumentError("--load " + options_.load_file + ": " +
                                  loaded.status().message());
    }
  }
  return Status::Ok();
}

std::string Emulator::ReadyLine() const {
  return "ptx-emulator ready otlp-grpc=" + addresses_.otlp_grpc + " http=" + addresses_.http +
         " sls=" + addresses_.sls + " ui=http://" + addresses_.http + "/ui/";
}

}  // namespace ptx::emulator
