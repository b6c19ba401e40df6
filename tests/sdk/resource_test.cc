#include "ptx/sdk/resource.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "test_util.h"

namespace ptx {
namespace {

using testing::ScopedEnv;

const AttributeValue* Find(const Resource& r, const std::string& key) {
  for (const auto& kv : r.attributes) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

std::string Str(const Resource& r, const std::string& key) {
  const AttributeValue* v = Find(r, key);
  if (v == nullptr || !std::holds_alternative<std::string>(*v)) return "<missing>";
  return std::get<std::string>(*v);
}

TEST(ResourceTest, DefaultsInOrder) {
  ScopedEnv attrs("OTEL_RESOURCE_ATTRIBUTES", std::nullopt);
  ScopedEnv svc("OTEL_SERVICE_NAME", std::nullopt);
  Resource r = BuildResource(ResourceOptions{});
  ASSERT_GE(r.attributes.size(), 6u);
  EXPECT_EQ(r.attributes[0].first, "service.name");
  EXPECT_EQ(r.attributes[1].first, "telemetry.sdk.name");
  EXPECT_EQ(r.attributes[2].first, "telemetry.sdk.language");
  EXPECT_EQ(r.attributes[3].first, "telemetry.sdk.version");
  EXPECT_EQ(r.attributes[4].first, "host.name");
  EXPECT_EQ(r.attributes[5].first, "process.pid");
  EXPECT_EQ(Str(r, "service.name"), "unknown_service");
  EXPECT_EQ(Str(r, "telemetry.sdk.name"), "pytracingx");
  EXPECT_EQ(Str(r, "telemetry.sdk.language"), "python");
  EXPECT_EQ(Str(r, "telemetry.sdk.version"), "0.4.0");
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  EXPECT_EQ(Str(r, "host.name"), host);
  ASSERT_NE(Find(r, "process.pid"), nullptr);
  EXPECT_EQ(std::get<int64_t>(*Find(r, "process.pid")), static_cast<int64_t>(getpid()));
  EXPECT_TRUE(r.schema_url.empty());
}

TEST(ResourceTest, EnvironmentAttributesArePercentDecodedAndOverrideDefaults) {
  ScopedEnv attrs("OTEL_RESOURCE_ATTRIBUTES",
                  " deployment.environment = prod ,team=a%2Cb%20c,noequals,=novalue,"
                  "bad=%zz,telemetry.sdk.language=cpp,team=last%21");
  ScopedEnv svc("OTEL_SERVICE_NAME", std::nullopt);
  Resource r = BuildResource(ResourceOptions{});
  EXPECT_EQ(Str(r, "deployment.environment"), "prod");
  EXPECT_EQ(Str(r, "team"), "last!");  // later duplicate wins
  EXPECT_EQ(Find(r, "bad"), nullptr);
  EXPECT_EQ(Find(r, "noequals"), nullptr);
  EXPECT_EQ(Str(r, "telemetry.sdk.language"), "cpp");  // later wins, position kept
  EXPECT_EQ(r.attributes[2].first, "telemetry.sdk.language");
  EXPECT_EQ(Str(r, "service.name"), "unknown_service");
}

TEST(ResourceTest, ServiceNamePrecedence) {
  ScopedEnv attrs("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,k=v");
  {
    ScopedEnv svc("OTEL_SERVICE_NAME", std::nullopt);
    EXPECT_EQ(Str(BuildResource({}), "service.name"), "from-attrs");
  }
  ScopedEnv svc("OTEL_SERVICE_NAME", "from-env");
  EXPECT_EQ(Str(BuildResource({}), "service.name"), "from-env");

  ResourceOptions explicit_name;
  explicit_name.service_name = "explicit";
  EXPECT_EQ(Str(BuildResource(explicit_name), "service.name"), "explicit");

  ResourceOptions user = explicit_name;
  user.user_attributes = {{"service.name", std::string("user")}, {"k", std::string("user-k")}};
  Resource r = BuildResource(user);
  EXPECT_EQ(Str(r, "service.name"), "user");
  EXPECT_EQ(Str(r, "k"), "user-k");
  EXPECT_EQ(r.attributes[0].first, "service.name");

  ResourceOptions no_env;
  no_env.read_environment = false;
  Resource plain = BuildResource(no_env);
  EXPECT_EQ(Str(plain, "service.name"), "unknown_service");
  EXPECT_EQ(Find(plain, "k"), nullptr);
}

TEST(ResourceTest, ParseResourceAttributes) {
  Attributes a = ParseResourceAttributes("a=1,b=x%3Dy,,c=,d%20e=f");
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[0], (KeyValue{"a", std::string("1")}));
  EXPECT_EQ(a[1], (KeyValue{"b", std::string("x=y")}));
  EXPECT_EQ(a[2], (KeyValue{"c", std::string("")}));
  EXPECT_EQ(a[3], (KeyValue{"d e", std::string("f")}));
  EXPECT_TRUE(ParseResourceAttributes("").empty());
  EXPECT_TRUE(ParseResourceAttributes("x=%4").empty());
}

TEST(ResourceTest, RefreshProcessPid) {
  Resource r;
  r.attributes = {{"process.pid", int64_t{1}}};
  RefreshProcessPid(r);
  EXPECT_EQ(std::get<int64_t>(r.attributes[0].second), static_cast<int64_t>(getpid()));
}

}  // namespace
}  // namespace ptx
