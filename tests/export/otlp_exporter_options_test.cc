#include "ptx/export/otlp_exporter_options.h"

#include <gtest/gtest.h>

namespace ptx {
namespace {

TEST(ResolveHttpUrlTest, Table) {
  struct Case {
    const char* endpoint;
    const char* signal;
    const char* want;
  };
  const Case cases[] = {
      {"", "/v1/traces", "http://localhost:4318/v1/traces"},
      {"http://collector:4318", "/v1/traces", "http://collector:4318/v1/traces"},
      {"http://collector:4318/", "/v1/traces", "http://collector:4318/v1/traces"},
      {"https://collector:4318", "/v1/metrics", "https://collector:4318/v1/metrics"},
      {"https://collector", "/v1/logs", "https://collector/v1/logs"},
      {"http://collector:4318/v1/traces", "/v1/traces", "http://collector:4318/v1/traces"},
      {"https://gw.example.com/otlp/custom", "/v1/traces", "https://gw.example.com/otlp/custom"},
      {"collector:4318", "/v1/traces", "http://collector:4318/v1/traces"},
      {"http://collector:4318?tenant=a", "/v1/traces", "http://collector:4318/v1/traces?tenant=a"},
      {"http://collector:4318/?tenant=a", "/v1/traces", "http://collector:4318/v1/traces?tenant=a"},
      {"  http://[::1]:4318  ", "/v1/traces", "http://[::1]:4318/v1/traces"},
      {"http://collector:4318", "v1/traces", "http://collector:4318/v1/traces"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ResolveHttpUrl(c.endpoint, c.signal), c.want) << "endpoint '" << c.endpoint << "'";
  }
}

TEST(ResolveGrpcEndpointTest, Table) {
  struct Case {
    const char* endpoint;
    const char* target;
    bool secure;
  };
  const Case cases[] = {
      {"", "localhost:4317", false},
      {"http://collector:4317", "collector:4317", false},
      {"https://collector:4317", "collector:4317", true},
      {"HTTPS://collector:4317/", "collector:4317", true},
      {"collector:4317", "collector:4317", false},
      {"http://[::1]:4317", "[::1]:4317", false},
      {"https://collector:4317/ignored/path", "collector:4317", true},
  };
  for (const Case& c : cases) {
    auto got = ResolveGrpcEndpoint(c.endpoint);
    ASSERT_TRUE(got.ok()) << c.endpoint << ": " << got.status().ToString();
    EXPECT_EQ(got->target, c.target) << c.endpoint;
    EXPECT_EQ(got->secure, c.secure) << c.endpoint;
  }
  EXPECT_EQ(ResolveGrpcEndpoint("ftp://collector:21").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveGrpcEndpoint("http:///path").status().code(), StatusCode::kInvalidArgument);
}

TEST(DefaultOtlpUserAgentTest, NamesTheSdk) {
  EXPECT_EQ(DefaultOtlpUserAgent().rfind("OTel-OTLP-Exporter-Python/pytracingx-", 0), 0u);
}

}  // namespace
}  // namespace ptx
