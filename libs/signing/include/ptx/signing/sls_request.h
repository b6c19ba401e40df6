// The parts of an HTTP request that an SLS signature covers, shared by the SDK (signing what it
// sends) and ptx-emulator (verifying what it receives).
//
//   ptx::signing::SlsRequest request{"POST", "/logstores/app/shards/lb", {}, {}, body};
//   ptx::signing::SetHeader(request, "Content-Type", "application/x-protobuf");
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ptx::signing {

// One request as the signature sees it. Header names compare case-insensitively; values are
// taken as they are. Thread-compatible plain data.
struct SlsRequest {
  std::string method;  // "GET", "POST", ...
  // Decoded path without the query ("/logstores/app"): the official SDKs sign it unescaped.
  std::string path;
  // Decoded query keys and values, in any order (the signatures sort them).
  std::vector<std::pair<std::string, std::string>> query;
  // Header names in any case; a name should appear once.
  std::vector<std::pair<std::string, std::string>> headers;
  // The body bytes as sent (after compression); must outlive the request.
  std::string_view body;
};

// The value of the first header named `name` (any case), or nullptr.
const std::string* FindHeader(const SlsRequest& request, std::string_view name);
// Replaces every header named `name` (any case) with one `name: value`.
void SetHeader(SlsRequest& request, std::string_view name, std::string value);
// Removes every header named `name` (any case).
void RemoveHeader(SlsRequest& request, std::string_view name);

}  // namespace ptx::signing
