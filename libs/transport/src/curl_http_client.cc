#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>

#include "ptx/transport/http_client.h"

namespace ptx::transport {
namespace {

// A response larger than this is a misbehaving server, not an OTLP answer.
constexpr size_t kMaxResponseBytes = 16 * 1024 * 1024;
// Upper bound of one wait in the transfer loop; Cancel() wakes it earlier.
constexpr int kMaxPollMillis = 1000;
// Beyond this (24 days) a deadline means "none"; keeps libcurl's long arithmetic sane.
constexpr int64_t kMaxTransferMillis = int64_t{1} << 31;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

struct Receiver {
  HttpResponse response;
  bool too_large = false;
  bool headers_done = false;  // the blank line after the header block was seen
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* receiver = static_cast<Receiver*>(user);
  size_t n = size * count;
  if (receiver->response.body.size() + n > kMaxResponseBytes) {
    receiver->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  receiver->response.body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* receiver = static_cast<Receiver*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after an interim 1xx response): start over.
    receiver->response.headers.clear();
    receiver->headers_done = false;
    return n;
  }
  if (Trim(line).empty()) {
    receiver->headers_done = true;
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(Trim(line.substr(0, colon)));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // libcurl hands trailers to this callback too, after the body.
  HttpHeaders& fields =
      receiver->headers_done ? receiver->response.trailers : receiver->response.headers;
  fields.emplace_back(std::move(name), std::string(Trim(line.substr(colon + 1))));
  return n;
}

StatusCode MapCurlError(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return StatusCode::kDeadlineExceeded;
    case CURLE_ABORTED_BY_CALLBACK:
      return StatusCode::kCancelled;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return StatusCode::kInvalidArgument;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return StatusCode::kFailedPrecondition;
    case CURLE_OUT_OF_MEMORY:
      return StatusCode::kResourceExhausted;
    default:
      return StatusCode::kUnavailable;
  }
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

const std::string* HttpResponse::FindHeader(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

// The easy handle lives in a private multi handle so that a transfer can be woken up
// (curl_multi_wakeup) from Cancel() instead of waiting for libcurl's next progress tick.
class CurlHttpClient::Impl {
 public:
  explicit Impl(HttpClientOptions options) : options_(std::move(options)) {
    GlobalInitOnce();
    multi_ = curl_multi_init();
    easy_ = curl_easy_init();
    if (easy_ == nullptr || multi_ == nullptr) return;
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (!options_.ca_file.empty()) {
      curl_easy_setopt(easy_, CURLOPT_CAINFO, options_.ca_file.c_str());
    }
    if (!options_.user_agent.empty()) {
      curl_easy_setopt(easy_, CURLOPT_USERAGENT, options_.user_agent.c_str());
    }
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &OnHeader);
  }

  ~Impl() {
    if (easy_ != nullptr) curl_easy_cleanup(easy_);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
  }

  Result<HttpResponse> Post(const HttpRequest& request, SteadyClock::time_point deadline) {
    std::lock_guard<std::mutex> lock(post_mu_);
    if (easy_ == nullptr || multi_ == nullptr) return InternalError("libcurl init failed");
    if (cancelled_.load()) return Status(StatusCode::kCancelled, "HTTP client cancelled");
    int64_t left_ms = MillisUntil(deadline);
    if (left_ms <= 0) return DeadlineExceededError("deadline passed before POST " + request.url);
    left_ms = std::min<int64_t>(left_ms, kMaxTransferMillis);

    curl_slist* raw = nullptr;
    for (const auto& [name, value] : request.headers) {
      raw = curl_slist_append(raw, (name + ": " + value).c_str());
    }
    // Disables "Expect: 100-continue", which costs a round trip on bodies over 1 KiB.
    raw = curl_slist_append(raw, "Expect:");
    std::unique_ptr<curl_slist, SlistDeleter> header_list(raw);

    Receiver receiver;
    error_[0] = '\0';
    curl_easy_setopt(easy_, CURLOPT_URL, request.url.c_str());
    if (options_.http2) {
      // libcurl 7.88 cannot reuse a prior-knowledge (h2c) connection (curl issue 10634): the
      // second request on it fails with "Error in the HTTP2 framing layer". So over http://
      // each request gets a fresh TCP connection, closed after it; https:// ones are reused.
      const bool tls = request.url.rfind("https://", 0) == 0;
      curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION,
                       tls ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
      curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, tls ? 0L : 1L);
    }
    curl_easy_setopt(easy_, CURLOPT_POST, 1L);
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(left_ms));
    const int64_t connect_ms = std::min<int64_t>(left_ms, options_.connect_timeout.count());
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_ms));
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &receiver);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, &receiver);

    CURLcode result = CURLE_OK;
    bool cancelled = false;
    Status loop_error;
    if (CURLMcode mc = curl_multi_add_handle(multi_, easy_); mc != CURLM_OK) {
      return InternalError(std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
    }
    for (;;) {
      int running = 0;
      CURLMcode mc = curl_multi_perform(multi_, &running);
      if (mc != CURLM_OK) {
        loop_error = InternalError(std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
        break;
      }
      if (running == 0) break;
      if (cancelled_.load()) {
        cancelled = true;
        break;
      }
      mc = curl_multi_poll(multi_, nullptr, 0, kMaxPollMillis, nullptr);
      if (mc != CURLM_OK) {
        loop_error = InternalError(std::string("curl_multi_poll: ") + curl_multi_strerror(mc));
        break;
      }
    }
    int pending = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &pending)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy_) result = msg->data.result;
    }
    // Removing an unfinished transfer closes its connection, which is what cancel wants.
    curl_multi_remove_handle(multi_, easy_);
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, nullptr);

    if (cancelled) return Status(StatusCode::kCancelled, "POST " + request.url + " cancelled");
    if (!loop_error.ok()) return loop_error;
    if (receiver.too_large) {
      return ResourceExhaustedError("POST " + request.url + ": response larger than 16 MiB");
    }
    if (result != CURLE_OK) {
      std::string message = "POST " + request.url + ": " + curl_easy_strerror(result);
      if (error_[0] != '\0') message += std::string(" (") + error_ + ")";
      return Status(MapCurlError(result), std::move(message));
    }
    if (options_.http2) {
      long version = 0;
      curl_easy_getinfo(easy_, CURLINFO_HTTP_VERSION, &version);
      if (version != CURL_HTTP_VERSION_2_0) {
        return UnavailableError("POST " + request.url +
                                ": the server did not negotiate HTTP/2 (ALPN h2)");
      }
    }
    long code = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code);
    receiver.response.status = static_cast<int>(code);
    return std::move(receiver.response);
  }

  void Cancel() {
    cancelled_.store(true);
    // Thread-safe by libcurl's contract; wakes a curl_multi_poll in Post.
    if (multi_ != nullptr) curl_multi_wakeup(multi_);
  }

 private:
  const HttpClientOptions options_;
  std::mutex post_mu_;
  CURL* easy_ = nullptr;      // GUARDED_BY(post_mu_) after construction
  CURLM* multi_ = nullptr;    // set once; curl_multi_wakeup is safe from any thread
  char error_[CURL_ERROR_SIZE] = {};  // GUARDED_BY(post_mu_)
  std::atomic<bool> cancelled_{false};
};

CurlHttpClient::CurlHttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

CurlHttpClient::~CurlHttpClient() = default;

Result<HttpResponse> CurlHttpClient::Post(const HttpRequest& request,
                                          SteadyClock::time_point deadline) {
  return impl_->Post(request, deadline);
}

void CurlHttpClient::Cancel() { impl_->Cancel(); }

}  // namespace ptx::transport
