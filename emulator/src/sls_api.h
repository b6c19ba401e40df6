// The SLS API on the --sls listener (documented in emulator/README.md): PutLogs, GetLogs v1/v2,
// ListShards, GetCursor, PullLogs, and the project and logstore APIs, with SLS's error shape
// ({"errorCode","errorMessage"}, x-log-requestid on every response) and signature checks.
//
//   SlsApi sls(&sls_store, &stats, SlsApiOptions{.credentials = {{"ak", "secret"}}});
//   sls.Register(listener.server());
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "faults.h"
#include "ptx/compression/codec.h"
#include "ptx/encoding/sls_log.h"
#include "sls_query.h"
#include "sls_store.h"
#include "stats.h"

namespace ptx::emulator {

struct SlsApiOptions {
  // Access keys (id, secret). Empty: every request is accepted whatever its signature.
  std::vector<std::pair<std::string, std::string>> credentials;
  // Largest PutLogs body after decompression (x-log-bodyrawsize); SLS's limit.
  size_t max_raw_body_bytes = size_t{10} << 20;
  // The server clock (log time window, signature dates); tests pin it.
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
  // Faults to apply (target sls, path = a path prefix), or none.
  FaultTable* faults = nullptr;
};

// An SLS error reply before it is rendered.
struct SlsError {
  int http_status = 400;
  std::string code;
  std::string message;
};

// The project named by a Host header ("{project}.{endpoint}[:port]"); nullopt when the host
// is a bare IP address, "localhost" or otherwise has no project label.
std::optional<std::string> ProjectFromHost(std::string_view host);

// One stored log as GetLogs shows and queries it: __time__ (and __time_ns_part__ when set),
// __topic__, __source__, __tag__:{key} for each tag, then the contents in order.
SlsRow LogRow(const encoding::SlsLogGroup& group, const encoding::SlsLog& log);

// The decode step of PutLogs once its headers are checked: decompresses `body` with `codec`
// (never beyond max_raw_body_bytes), checks it against x-log-bodyrawsize (`raw_size`),
// decodes the LogGroup and checks each log's time (against `now`, unix seconds) and keys.
// Fills *out, or returns the SLS error PutLogs answers with. fuzz/ calls it directly.
std::optional<SlsError> DecodePutLogsBody(compression::Codec codec, size_t raw_size,
                                          std::string_view body, size_t max_raw_body_bytes,
                                          int64_t now, encoding::SlsLogGroup* out);

// Stateless apart from the store and counters it uses. Thread-safe.
class SlsApi {
 public:
  SlsApi(SlsStore* store, Stats* stats, SlsApiOptions options)
      : store_(store), stats_(stats), options_(std::move(options)) {}

  void Register(httplib::Server& server);

  // An SLS error reply: JSON {"errorCode", "errorMessage"} plus x-log-requestid.
  static void RenderError(httplib::Response& res, int http_status, const std::string& error_code,
                          const std::string& message);

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  Handler Wrap(bool needs_project, std::function<std::optional<SlsError>(
                                        const httplib::Request&, httplib::Response&,
                                        const std::string& project)> handler);
  // Applies a pending fault; true when it answered (or dropped) the request.
  bool ApplyFault(const httplib::Request& req, httplib::Response& res);
  std::optional<SlsError> Admit(const httplib::Request& req) const;

  std::optional<SlsError> PutLogs(const httplib::Request& req, httplib::Response& res,
                                  const std::string& project, const std::string& logstore);
  std::optional<SlsError> GetLogsV1(const httplib::Request& req, httplib::Response& res,
                                    const std::string& project, const std::string& logstore);
  std::optional<SlsError> GetLogsV2(const httplib::Request& req, httplib::Response& res,
                                    const std::string& project, const std::string& logstore);
  std::optional<SlsError> CursorOrPull(const httplib::Request& req, httplib::Response& res,
                                       const std::string& project, const std::string& logstore,
                                       const std::string& shard);
  std::optional<SlsError> PullLogs(const httplib::Request& req, httplib::Response& res,
                                   const std::string& project, const std::string& logstore);

  SlsStore* store_;
  Stats* stats_;
  SlsApiOptions options_;
};

// A fresh SLS-style request id: 24 uppercase hex characters.
std::string NewSlsRequestId();

}  // namespace ptx::emulator
