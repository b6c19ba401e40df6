// The Status code that stands for an HTTP status: what a client reports for an HTTP error and
// what a server puts in the google.rpc.Status body it answers with.
//
//   ptx::Status s(ptx::StatusCodeForHttp(503), "collector busy");   // UNAVAILABLE
#pragma once

#include "ptx/base/status.h"

namespace ptx {

// 2xx is OK; the usual statuses map to their gRPC counterparts; any other 5xx is INTERNAL and
// any other status UNKNOWN.
StatusCode StatusCodeForHttp(int http_status);

}  // namespace ptx
