#include "ptx/base/http_status.h"

namespace ptx {

StatusCode StatusCodeForHttp(int http_status) {
  if (http_status >= 200 && http_status < 300) return StatusCode::kOk;
  switch (http_status) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 405:
    case 415:
    case 501: return StatusCode::kUnimplemented;
    case 409: return StatusCode::kAborted;
    case 413:
    case 429: return StatusCode::kResourceExhausted;
    case 500: return StatusCode::kInternal;
    case 502:
    case 503:
    case 504: return StatusCode::kUnavailable;
    default: return http_status >= 500 ? StatusCode::kInternal : StatusCode::kUnknown;
  }
}

}  // namespace ptx
