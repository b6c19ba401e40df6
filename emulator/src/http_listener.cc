#include "http_listener.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <exception>

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace ptx::emulator {
namespace {

bool HasBodyMethod(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

int PortOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return -1;
}

// httplib does not expose its sockets: this walks our descriptors and calls
// fn(fd, local address, peer address) for each connected socket until fn returns true.
template <typename Fn>
void ForEachConnectedSocket(Fn fn) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;
    }
    if (fn(static_cast<int>(fd), local, peer)) break;
  }
  closedir(dir);
}

}  // namespace

bool DropConnection(const httplib::Request& req) {
  if (req.local_port <= 0 || req.remote_port <= 0) return false;
  bool dropped = false;
  ForEachConnectedSocket(
      [&](int fd, const sockaddr_storage& local, const sockaddr_storage& peer) {
        if (PortOf(local) != req.local_port || PortOf(peer) != req.remote_port) return false;
        dropped = shutdown(fd, SHUT_RDWR) == 0;
        return true;
      });
  return dropped;
}

std::string MediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  size_t begin = type.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  size_t end = type.find_last_not_of(" \t");
  return Lower(type.substr(begin, end - begin + 1));
}

HttpListener::HttpListener(std::string name, HttpListenerOptions options)
    : name_(std::move(name)),
      options_(std::move(options)),
      server_(std::make_unique<httplib::Server>()) {
  size_t threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // A backstop only: Guard refuses oversized bodies before httplib starts reading them.
  // httplib's default adds SO_REUSEPORT, which lets a second emulator bind a port that is in
  // use and silently split the traffic; keep only SO_REUSEADDR so that the second one fails.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->set_payload_max_length(options_.max_request_bytes);
  server_->set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return Guard(req, res); });
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        // Handlers write their own error bodies; fill in only what httplib produced itself.
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        RenderError(req, res, res.status,
                    res.status == 404 ? "no route for " + req.method + " " + req.path
                                      : "request refused");
        return httplib::Server::HandlerResponse::Handled;
      }));
  server_->set_exception_handler(
      [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = std::string("internal error: ") + e.what();
        } catch (...) {
        }
        RenderError(req, res, 500, what);
      });
}

HttpListener::~HttpListener() { Stop(); }

void HttpListener::RenderError(const httplib::Request& req, httplib::Response& res, int status,
                               const std::string& message) {
  res.status = status;
  if (options_.render_error) {
    options_.render_error(req, res, status, message);
  } else {
    res.set_content(message, "text/plain");
  }
}

httplib::Server::HandlerResponse HttpListener::Guard(const httplib::Request& const_req,
                                                     httplib::Response& res) {
  // httplib hands the pre-routing handler the request it owns (a non-const object) before it
  // reads the body; adjusting headers here is the only way to steer how the body is read.
  auto& req = const_cast<httplib::Request&>(const_req);
  req.headers.erase(kOriginalContentEncodingHeader);
  auto encoding = req.headers.find("Content-Encoding");
  if (encoding != req.headers.end()) {
    std::string value = encoding->second;
    req.headers.erase("Content-Encoding");
    req.headers.emplace(kOriginalContentEncodingHeader, value);
  }
  if (!HasBodyMethod(req.method)) return httplib::Server::HandlerResponse::Unhandled;

  bool chunked = Lower(req.get_header_value("Transfer-Encoding")).find("chunked") !=
                 std::string::npos;
  if (chunked) {
    if (options_.may_stream && options_.may_stream(req)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    res.set_header("Connection", "close");
    RenderError(req, res, 411, "a Content-Length is required here");
    return httplib::Server::HandlerResponse::Handled;
  }
  if (!req.has_header("Content-Length")) {
    // Without a length httplib would read until the client closes; HTTP/1.1 says no body.
    req.headers.emplace("Content-Length", "0");
    return httplib::Server::HandlerResponse::Unhandled;
  }
  const std::string length_text = req.get_header_value("Content-Length");
  bool digits = !length_text.empty() && length_text.size() <= 19 &&
                std::all_of(length_text.begin(), length_text.end(),
                            [](unsigned char c) { return std::isdigit(c); });
  if (!digits) {
    res.set_header("Connection", "close");
    RenderError(req, res, 400, "malformed Content-Length");
    return httplib::Server::HandlerResponse::Handled;
  }
  if (std::stoull(length_text) > options_.max_request_bytes) {
    // Refuse before reading: the body stays unread, so the connection must not be reused.
    res.set_header("Connection", "close");
    RenderError(req, res, 413,
                "request body exceeds " + std::to_string(options_.max_request_bytes) + " bytes");
    return httplib::Server::HandlerResponse::Handled;
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

Result<int> HttpListener::Bind(const HostPort& address) {
  int port = address.port;
  if (port == 0) {
    port = server_->bind_to_any_port(address.host);
    if (port < 0) port = 0;
  } else if (!server_->bind_to_port(address.host, port)) {
    port = 0;
  }
  if (port == 0) {
    return UnavailableError("cannot listen on " + FormatHostPort(address.host, address.port) +
                            " (" + name_ + ")");
  }
  port_ = port;
  return port;
}

void HttpListener::Start() {
  finished_ = false;
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    finished_ = true;
  });
}

void HttpListener::Stop() {
  if (!thread_.joinable()) return;
  // httplib's stop() does nothing until the accept loop runs, so wait for it to start.
  while (!server_->is_running() && !finished_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
  // httplib (0.11) sees stop() on an idle keep-alive connection only once the client sends
  // again or the 5 s keep-alive timeout passes, and the join below waits for that. Ending the
  // read side of this listener's connections wakes each with end-of-stream at once; replies
  // being written still go out (a body still arriving is cut short).
  ForEachConnectedSocket([this](int fd, const sockaddr_storage& local, const sockaddr_storage&) {
    if (PortOf(local) == port_) shutdown(fd, SHUT_RD);
    return false;
  });
  thread_.join();
}

}  // namespace ptx::emulator
