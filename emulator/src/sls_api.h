// The SLS API listener (--sls). This version answers every request with SLS's error shape
// (HTTP 501, {"errorCode","errorMessage"}, x-log-requestid) so that clients pointed at it fail
// clearly; the project/logstore APIs of sls.md are registered here next.
//
//   SlsApi sls;
//   sls.Register(listener.server());
#pragma once

#include <string>

#include <httplib.h>

namespace ptx::emulator {

// Stateless. Thread-safe.
class SlsApi {
 public:
  void Register(httplib::Server& server);

  // An SLS error reply: JSON {"errorCode", "errorMessage"} plus x-log-requestid.
  static void RenderError(httplib::Response& res, int http_status, const std::string& error_code,
                          const std::string& message);
};

// A fresh SLS-style request id: 24 uppercase hex characters.
std::string NewSlsRequestId();

}  // namespace ptx::emulator
