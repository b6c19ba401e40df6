// Real local servers for transport and export tests: an HTTP server (cpp-httplib), a gRPC
// generic server with scripted answers, a socket that accepts and never answers, and a port
// nobody listens on. Everything binds 127.0.0.1 on an ephemeral port.
//
//   ptx::test_servers::HttpTestServer server([](const auto& req, auto& res) { res.status = 200; });
//   std::string url = server.Url("/v1/traces");
#pragma once

#include <arpa/inet.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace ptx::test_servers {

// Thread-safe for handlers: they run on the server's threads.
class HttpTestServer {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit HttpTestServer(Handler handler) {
    server_.Post(".*", [handler = std::move(handler)](const httplib::Request& req,
                                                      httplib::Response& res) {
      handler(req, res);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs; wait for it so the destructor cannot hang.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~HttpTestServer() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A listening socket that never accepts: connects succeed (kernel backlog), nothing answers.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 16);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A loopback port that was free a moment ago and has no listener.
inline int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Self-signed certificates for localhost / 127.0.0.1 made once per test process by the openssl
// command line (which CI has): the server's own (its certificate is its CA) and an unrelated
// one, for "unknown CA" cases.
struct TestCertificate {
  std::string cert_path, key_path, other_ca_path;
  std::string cert_pem, key_pem;

  static const TestCertificate& Get() {
    static const TestCertificate cert = Make();
    return cert;
  }

 private:
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
  static void SelfSigned(const std::string& cert, const std::string& key) {
    const std::string command =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " + key + " -out " + cert +
        " >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) std::abort();
  }
  static TestCertificate Make() {
    char dir[] = "/tmp/ptx-tls-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    TestCertificate c;
    c.cert_path = std::string(dir) + "/cert.pem";
    c.key_path = std::string(dir) + "/key.pem";
    c.other_ca_path = std::string(dir) + "/other.pem";
    SelfSigned(c.cert_path, c.key_path);
    SelfSigned(c.other_ca_path, std::string(dir) + "/other-key.pem");
    c.cert_pem = Read(c.cert_path);
    c.key_pem = Read(c.key_path);
    return c;
  }
};

// One scripted gRPC answer.
struct GrpcAnswer {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  std::string details;                                       // grpc-status-details-bin
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string response;                                      // body when OK
  bool hang = false;                                         // answer only when cancelled
};

struct GrpcCall {
  std::string method;
  std::chrono::system_clock::time_point deadline;  // from the client's grpc-timeout
  std::multimap<std::string, std::string> metadata;
  std::string body;
};

// Answers calls to any method from a script (the last answer repeats). Thread-safe.
class GrpcTestServer {
 public:
  // `credentials`: TLS (grpc::SslServerCredentials) or, by default, plaintext.
  explicit GrpcTestServer(std::vector<GrpcAnswer> script,
                          std::shared_ptr<grpc::ServerCredentials> credentials = nullptr)
      : service_(this) {
    script_.assign(script.begin(), script.end());
    grpc::ServerBuilder builder;
    if (credentials == nullptr) credentials = grpc::InsecureServerCredentials();
    builder.AddListeningPort("127.0.0.1:0", credentials, &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~GrpcTestServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  int port() const { return port_; }
  std::string Target() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<GrpcCall> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  class Reactor : public grpc::ServerGenericBidiReactor {
   public:
    Reactor(GrpcTestServer* owner, grpc::GenericCallbackServerContext* ctx)
        : owner_(owner), ctx_(ctx) {
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
        return;
      }
      GrpcAnswer answer = owner_->Record(ctx_, request_);
      if (answer.hang) return;  // OnCancel finishes
      if (!ClaimFinish()) return;
      for (const auto& [key, value] : answer.trailers) ctx_->AddTrailingMetadata(key, value);
      if (answer.code == grpc::StatusCode::OK) {
        grpc::Slice slice(answer.response.data(), answer.response.size());
        response_ = grpc::ByteBuffer(&slice, 1);
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
      } else {
        Finish(grpc::Status(answer.code, answer.message, answer.details));
      }
    }
    void OnCancel() override {
      if (ClaimFinish()) Finish(grpc::Status::CANCELLED);
    }
    void OnDone() override { delete this; }

   private:
    // Finish must run once; the lock is released before it because OnDone may follow at once.
    bool ClaimFinish() {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return false;
      finished_ = true;
      return true;
    }

    GrpcTestServer* owner_;
    grpc::GenericCallbackServerContext* ctx_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
    std::mutex mu_;
    bool finished_ = false;
  };

  class Service : public grpc::CallbackGenericService {
   public:
    explicit Service(GrpcTestServer* owner) : owner_(owner) {}
    grpc::ServerGenericBidiReactor* CreateReactor(
        grpc::GenericCallbackServerContext* ctx) override {
      return new Reactor(owner_, ctx);
    }

   private:
    GrpcTestServer* owner_;
  };

  GrpcAnswer Record(grpc::GenericCallbackServerContext* ctx, const grpc::ByteBuffer& request) {
    GrpcCall call;
    call.method = ctx->method();
    call.deadline = ctx->deadline();
    for (const auto& [key, value] : ctx->client_metadata()) {
      call.metadata.emplace(std::string(key.data(), key.size()),
                            std::string(value.data(), value.size()));
    }
    std::vector<grpc::Slice> slices;
    (void)request.Dump(&slices);
    for (const auto& s : slices) {
      call.body.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(std::move(call));
    GrpcAnswer answer = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return answer;
  }

  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mu_;
  std::deque<GrpcAnswer> script_;  // GUARDED_BY(mu_)
  std::vector<GrpcCall> calls_;    // GUARDED_BY(mu_)
};

// A serialized google.rpc.Status (RESOURCE_EXHAUSTED, "slow down") carrying a RetryInfo with
// `delay`: what a collector sends in grpc-status-details-bin.
inline std::string StatusDetailsWithRetryDelay(std::chrono::milliseconds delay) {
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(delay.count() / 1000);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(delay.count() % 1000) * 1000000);
  google::rpc::Status status;
  status.set_code(static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  status.set_message("slow down");
  status.add_details()->PackFrom(info);
  return status.SerializeAsString();
}

}  // namespace ptx::test_servers
