// One cpp-httplib server on its own thread, hardened for untrusted clients: every request body
// is bounded before it is read and httplib never decompresses a body itself (receivers do it
// with a bounded decompressor).
//
//   HttpListener listener("http", {.max_request_bytes = limit, .render_error = Render});
//   listener.server().Get("/health", handler);
//   Result<int> port = listener.Bind(host_port);  listener.Start();  ...  listener.Stop();
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <httplib.h>

#include "options.h"
#include "ptx/base/status.h"

namespace ptx::emulator {

// Where a request's original Content-Encoding is moved so that httplib passes the body
// through untouched; read it instead of Content-Encoding.
inline constexpr char kOriginalContentEncodingHeader[] = "X-Ptx-Original-Content-Encoding";

// Fills `res` for an error the listener raises itself (oversized, unbounded or unroutable
// requests, handler exceptions), in the error format of the API behind the listener.
using ErrorRenderer = std::function<void(const httplib::Request& req, httplib::Response& res,
                                         int http_status, const std::string& message)>;

struct HttpListenerOptions {
  // Largest request body accepted on the wire (before decompression).
  size_t max_request_bytes = size_t{20} << 20;
  // Requests whose handler reads a chunked body through a ContentReader and bounds it itself;
  // httplib does not bound chunked bodies, so everything else must send Content-Length.
  std::function<bool(const httplib::Request&)> may_stream;
  ErrorRenderer render_error;
  // Worker threads; each serves one connection at a time, and an idle keep-alive or stalled
  // client holds one for up to 5 s, so keep plenty.
  size_t threads = 64;
};

// Owns the server and its thread. Register handlers through server() before Start().
// Bind/Start/Stop from one thread; handlers run on the worker threads.
class HttpListener {
 public:
  HttpListener(std::string name, HttpListenerOptions options);
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  httplib::Server& server() { return *server_; }

  // Binds and listens; returns the actual port (useful when address.port is 0).
  Result<int> Bind(const HostPort& address);
  // Serves on a background thread.
  void Start();
  // Stops accepting, waits for requests in flight, and closes idle keep-alive connections at
  // once. Idempotent.
  void Stop();

 private:
  httplib::Server::HandlerResponse Guard(const httplib::Request& req, httplib::Response& res);
  void RenderError(const httplib::Request& req, httplib::Response& res, int status,
                   const std::string& message);

  std::string name_;
  HttpListenerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> finished_{false};  // the accept loop has returned
  int port_ = 0;                       // set by Bind
};

// Shuts down the connection `req` arrived on (both directions), so that the client gets no
// answer; httplib then fails to write the response and closes the socket. False when the
// connection could not be found.
bool DropConnection(const httplib::Request& req);

// The media type without parameters, lowercased: "application/json; charset=utf-8" ->
// "application/json".
std::string MediaType(const std::string& content_type);

}  // namespace ptx::emulator
