#include "ptx/transport/otlp_grpc_transport.h"

#include <grpc/fork.h>
#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <pthread.h>
#include <grpcpp/generic/generic_stub.h>

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>

#include "grpc_common.h"
#include "grpc_plugin.h"

namespace ptx::transport {
namespace {

using compression::Codec;

// Beyond this a deadline means "none"; the cap keeps time_point::max() from overflowing.
constexpr std::chrono::hours kMaxCallDuration{24 * 365};

std::chrono::system_clock::time_point ToSystemDeadline(SteadyClock::time_point deadline) {
  auto left = std::min<SteadyClock::duration>(deadline - SteadyClock::now(), kMaxCallDuration);
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(left);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const auto& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// Sets an environment variable for the lifetime of the object unless the application set it.
class ScopedEnvDefault {
 public:
  ScopedEnvDefault(const char* name, const char* value) : name_(name) {
    if (std::getenv(name) == nullptr) {
      setenv(name, value, 0);
      set_ = true;
    }
  }
  ~ScopedEnvDefault() {
    if (set_) unsetenv(name_);
  }

 private:
  const char* name_;
  bool set_ = false;
};

// A forked child inherits gRPC's pollers and threads half-alive: its poller shares the parent's
// epoll instance and steals the parent's events. gRPC's fork handlers stop and restart them, but
// only with fork support on at initialisation, and (in 1.51) only with the experimental
// event-engine poller off; Debian's build also does not register the handlers itself. So gRPC is
// initialised here once with those two settings (unless the application chose otherwise), the
// environment is restored so that an application's own gRPC (grpcio) is unaffected, and the
// handlers are registered. pthread_atfork runs them after Python's os.register_at_fork "before"
// hooks and before its "after_in_child" hooks, so a child rebuilds its channels on a reset gRPC.
void InitGrpcOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    {
      ScopedEnvDefault fork_support("GRPC_ENABLE_FORK_SUPPORT", "true");
      ScopedEnvDefault experiments("GRPC_EXPERIMENTS", "-posix_event_engine_enable_polling");
      grpc_init();  // never balanced: gRPC stays up for the life of the process
    }
    pthread_atfork(grpc_prefork, grpc_postfork_parent, grpc_postfork_child);
  });
}

}  // namespace

namespace {

// Thread safety: see OtlpTransport.
class GrpcTransport final : public OtlpTransport {
 public:
  GrpcTransport(OtlpGrpcTransportOptions options, std::shared_ptr<grpc::Channel> channel)
      : options_(std::move(options)), stub_(std::move(channel)) {}

  SendResult Send(std::string_view body, SteadyClock::time_point deadline) override {
    if (MillisUntil(deadline) <= 0) {
      return SendResult::Failure(
          DeadlineExceededError("OTLP/gRPC: deadline passed before the call"), true);
    }
    grpc::ClientContext context;
    context.set_deadline(ToSystemDeadline(deadline));
    for (const auto& [key, value] : options_.headers) context.AddMetadata(key, value);
    if (options_.compression == Codec::kGzip) {
      context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    } else if (options_.compression == Codec::kDeflate) {
      context.set_compression_algorithm(GRPC_COMPRESS_DEFLATE);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) {
        return SendResult::Failure(
            Status(StatusCode::kCancelled, "OTLP/gRPC: transport cancelled"), false);
      }
      in_flight_ = &context;
    }

    grpc::Slice slice(body.data(), body.size());
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::Status status;
    // A completion queue driven by this thread, not the callback API: gRPC's callback threads
    // stay inside gRPC for good, which makes its fork handlers refuse to run. This way nothing
    // is inside gRPC between exports. The deadline on the context ends the call.
    grpc::CompletionQueue cq;
    auto call = stub_.PrepareUnaryCall(&context, options_.method, request, &cq);
    call->StartCall();
    call->Finish(&response, &status, this);
    void* tag = nullptr;
    bool ok = false;
    if (!cq.Next(&tag, &ok)) {
      status = grpc::Status(grpc::StatusCode::INTERNAL, "completion queue shut down");
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_ = nullptr;
    }
    return Classify(status, context, response);
  }

  void Cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (in_flight_ != nullptr) in_flight_->TryCancel();
  }

 private:
  SendResult Classify(const grpc::Status& status, const grpc::ClientContext& context,
                      const grpc::ByteBuffer& response) {
    internal::GrpcCallOutcome outcome;
    outcome.code = static_cast<StatusCode>(status.error_code());
    if (status.ok()) {
      outcome.response = ToString(response);
      return internal::ClassifyGrpcCall(std::move(outcome));
    }
    outcome.message = status.error_message();
    outcome.target = options_.target;
    outcome.status_details = status.error_details();
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(internal::kRetryInfoTrailer);
    if (it != trailers.end()) outcome.retry_info.emplace(it->second.data(), it->second.size());
    {
      std::lock_guard<std::mutex> lock(mu_);
      outcome.cancelled_by_us = cancelled_;
    }
    return internal::ClassifyGrpcCall(std::move(outcome));
  }

  const OtlpGrpcTransportOptions options_;
  grpc::GenericStub stub_;
  std::mutex mu_;
  bool cancelled_ = false;                     // GUARDED_BY(mu_)
  grpc::ClientContext* in_flight_ = nullptr;   // GUARDED_BY(mu_)
};

}  // namespace

namespace {

// `options` passed internal::ValidateGrpcOptions in OtlpGrpcTransport::Create, the only caller.
Result<std::unique_ptr<OtlpTransport>> CreateGrpcTransport(OtlpGrpcTransportOptions options) {
  InitGrpcOnce();

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.secure) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      std::ifstream in(options.ca_file, std::ios::binary);
      if (!in) return InvalidArgumentError("OTLP/gRPC: cannot read CA file " + options.ca_file);
      std::ostringstream pem;
      pem << in.rdbuf();
      ssl.pem_root_certs = pem.str();
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  if (!options.user_agent.empty()) args.SetUserAgentPrefix(options.user_agent);
  // SendWithRetry is the one retry policy; gRPC's transparent retries would multiply it.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  auto channel = grpc::CreateCustomChannel(options.target, credentials, args);
  return std::unique_ptr<OtlpTransport>(
      std::make_unique<GrpcTransport>(std::move(options), std::move(channel)));
}

}  // namespace

}  // namespace ptx::transport

extern "C" __attribute__((visibility("default"))) void PTX_GRPC_PLUGIN_ENTRY(
    ptx::transport::OtlpGrpcTransportOptions* options,
                                      ptx::transport::internal::GrpcCreateResult* out) {
  out->emplace(ptx::transport::CreateGrpcTransport(std::move(*options)));
}
