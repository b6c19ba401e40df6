#include "otlp_grpc.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace ptx::emulator {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(2);

std::optional<Signal> SignalForMethod(const std::string& method) {
  if (method == "/opentelemetry.proto.collector.trace.v1.TraceService/Export") {
    return Signal::kTraces;
  }
  if (method == "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export") {
    return Signal::kMetrics;
  }
  if (method == "/opentelemetry.proto.collector.logs.v1.LogsService/Export") {
    return Signal::kLogs;
  }
  return std::nullopt;
}

std::string Metadata(const grpc::ServerContextBase& ctx, const char* key) {
  const auto& metadata = ctx.client_metadata();
  auto it = metadata.find(key);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

bool Authorized(const grpc::ServerContextBase& ctx, const std::string& token) {
  if (token.empty()) return true;
  std::string value = Metadata(ctx, "authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return false;
  }
  return value.substr(kScheme.size()) == token;
}

grpc::StatusCode GrpcCode(StatusCode code) { return static_cast<grpc::StatusCode>(code); }

}  // namespace

std::string EncodeGrpcStatusDetails(int code, const std::string& message,
                                    std::optional<int64_t> retry_delay_ms) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(message);
  if (retry_delay_ms) {
    google::rpc::RetryInfo info;
    info.mutable_retry_delay()->set_seconds(*retry_delay_ms / 1000);
    info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(*retry_delay_ms % 1000) * 1000000);
    status.add_details()->PackFrom(info);
  }
  return status.SerializeAsString();
}

class OtlpGrpcReceiver::Service final : public grpc::CallbackGenericService {
 public:
  Service(OtlpIngest* ingest, Stats* stats, OtlpGrpcOptions options)
      : ingest_(ingest), stats_(stats), options_(std::move(options)) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new ExportReactor(this, ctx);
  }

 private:
  // One unary Export call seen through the generic (bidi) interface: read one message,
  // answer, finish. Deletes itself when gRPC is done with it.
  class ExportReactor final : public grpc::ServerGenericBidiReactor {
   public:
    ExportReactor(Service* service, grpc::GenericCallbackServerContext* ctx)
        : service_(service), ctx_(ctx), signal_(SignalForMethod(ctx->method())) {
      if (!signal_) {
        Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method " + ctx->method()));
        return;
      }
      if (!Authorized(*ctx, service_->options_.bearer_token)) {
        service_->stats_->RecordRejected(*signal_, Protocol::kGrpc);
        Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong bearer token"));
        return;
      }
      StartRead(&request_);
    }

    void OnReadDone(bool ok) override {
      if (!ok) {
        // No message: the client half-closed early, or gRPC refused an oversized message.
        service_->stats_->RecordRejected(*signal_, Protocol::kGrpc);
        Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
        return;
      }
      std::optional<grpc::Status> faulted = ApplyFault();
      if (faulted) {
        service_->stats_->RecordRejected(*signal_, Protocol::kGrpc);
        Finish(*faulted);
        return;
      }
      grpc::Status status = Handle();
      if (!status.ok()) {
        service_->stats_->RecordRejected(*signal_, Protocol::kGrpc);
        Finish(status);
        return;
      }
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }

    void OnDone() override { delete this; }

   private:
    // Applies a pending fault: the status to answer with, or nullopt to handle the call.
    std::optional<grpc::Status> ApplyFault() {
      FaultTable* faults = service_->options_.faults;
      if (!faults) return std::nullopt;
      std::optional<FaultSpec> fault = faults->Take(FaultTarget::kOtlpGrpc, ctx_->method());
      if (!fault) return std::nullopt;
      service_->stats_->RecordFaultInjected();
      if (fault->delay_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
      }
      if (fault->drop_connection) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection dropped (injected fault)");
      }
      if (fault->grpc_code == 0) return std::nullopt;  // delayed only
      return grpc::Status(static_cast<grpc::StatusCode>(fault->grpc_code), kInjectedFaultMessage,
                          EncodeGrpcStatusDetails(fault->grpc_code, kInjectedFaultMessage,
                                                  fault->retry_delay_ms));
    }

    grpc::Status Handle() {
      if (request_.Length() > service_->options_.max_body_bytes) {
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            "message exceeds " +
                                std::to_string(service_->options_.max_body_bytes) + " bytes");
      }
      std::vector<grpc::Slice> slices;
      grpc::Status dumped = request_.Dump(&slices);
      if (!dumped.ok()) return dumped;
      std::string payload;
      payload.reserve(request_.Length());
      for (const grpc::Slice& slice : slices) {
        payload.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      }
      Origin origin;
      origin.protocol = Protocol::kGrpc;
      origin.sls_project = Metadata(*ctx_, "x-sls-otel-project");
      origin.sls_instance_id = Metadata(*ctx_, "x-sls-otel-instance-id");
      Result<IngestOutcome> outcome =
          service_->ingest_->Ingest(*signal_, PayloadFormat::kProtobuf, payload, origin);
      if (!outcome.ok()) {
        return grpc::Status(GrpcCode(outcome.status().code()), outcome.status().message());
      }
      service_->stats_->RecordAccepted(*signal_, Protocol::kGrpc, outcome->accepted,
                                       outcome->rejected);
      std::string reply = EncodeExportResponse(*signal_, PayloadFormat::kProtobuf, *outcome);
      grpc::Slice slice(reply);
      response_ = grpc::ByteBuffer(&slice, 1);
      return grpc::Status::OK;
    }

    Service* service_;
    grpc::GenericCallbackServerContext* ctx_;
    std::optional<Signal> signal_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };

  OtlpIngest* ingest_;
  Stats* stats_;
  OtlpGrpcOptions options_;
};

OtlpGrpcReceiver::OtlpGrpcReceiver(OtlpIngest* ingest, Stats* stats, OtlpGrpcOptions options)
    : max_body_bytes_(options.max_body_bytes),
      service_(std::make_unique<Service>(ingest, stats, std::move(options))) {}

OtlpGrpcReceiver::~OtlpGrpcReceiver() { Shutdown(); }

Result<int> OtlpGrpcReceiver::Start(const HostPort& address) {
  grpc::ServerBuilder builder;
  int port = 0;
  std::string target = FormatHostPort(address.host, address.port);
  builder.AddListeningPort(target, grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(service_.get());
  // As for HTTP: a port in use must fail to bind rather than be shared (SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // gRPC enforces this on the decompressed message and answers RESOURCE_EXHAUSTED itself.
  size_t limit = std::min<size_t>(max_body_bytes_, INT32_MAX);
  builder.SetMaxReceiveMessageSize(static_cast<int>(limit));
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) {
    server_.reset();
    return UnavailableError("cannot listen on " + target + " (otlp-grpc)");
  }
  return port;
}

void OtlpGrpcReceiver::Shutdown() {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  server_->Wait();
  server_.reset();
}

}  // namespace ptx::emulator
