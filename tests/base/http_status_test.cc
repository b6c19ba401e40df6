#include "ptx/base/http_status.h"

#include <gtest/gtest.h>

namespace ptx {
namespace {

TEST(StatusCodeForHttpTest, MapsTheStatusesClientsAndServersUse) {
  EXPECT_EQ(StatusCodeForHttp(200), StatusCode::kOk);
  EXPECT_EQ(StatusCodeForHttp(400), StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForHttp(401), StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusCodeForHttp(403), StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusCodeForHttp(404), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForHttp(405), StatusCode::kUnimplemented);
  EXPECT_EQ(StatusCodeForHttp(409), StatusCode::kAborted);
  EXPECT_EQ(StatusCodeForHttp(413), StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusCodeForHttp(429), StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusCodeForHttp(500), StatusCode::kInternal);
  EXPECT_EQ(StatusCodeForHttp(503), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForHttp(505), StatusCode::kInternal);
  EXPECT_EQ(StatusCodeForHttp(418), StatusCode::kUnknown);
}

}  // namespace
}  // namespace ptx
