// The embedded web UI as a browser fetches it from a running emulator: content types,
// caching headers, revalidation, the /ui redirect and JSON 404s for unknown files.
#include <memory>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator.h"
#include "web_assets.h"

namespace ptx::emulator {
namespace {

using nlohmann::json;

std::string Bytes(const WebAsset& asset) {
  return std::string(reinterpret_cast<const char*>(asset.data), asset.size);
}

class WebUiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmulatorOptions options;
    options.otlp_grpc_address = "127.0.0.1:0";
    options.http_address = "127.0.0.1:0";
    options.sls_address = "127.0.0.1:0";
    emulator_ = std::make_unique<Emulator>(options);
    Status started = emulator_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    http_ = std::make_unique<httplib::Client>("http://" + emulator_->addresses().http);
  }
  void TearDown() override {
    http_.reset();
    if (emulator_) emulator_->Shutdown();
  }

  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<httplib::Client> http_;
};

TEST(WebAssetsTest, EmbedsTheThreeFilesWithTheirTypes) {
  ASSERT_EQ(kWebAssetCount, 3u);
  const WebAsset* index = FindWebAsset("index.html");
  const WebAsset* app = FindWebAsset("app.js");
  const WebAsset* style = FindWebAsset("style.css");
  ASSERT_NE(index, nullptr);
  ASSERT_NE(app, nullptr);
  ASSERT_NE(style, nullptr);
  EXPECT_STREQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_STREQ(app->content_type, "text/javascript; charset=utf-8");
  EXPECT_STREQ(style->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(FindWebAsset("missing.js"), nullptr);
  EXPECT_EQ(FindWebAsset(""), nullptr);
  std::set<std::string> etags;
  for (size_t i = 0; i < kWebAssetCount; ++i) {
    const WebAsset& asset = kWebAssets[i];
    EXPECT_GT(asset.size, 100u) << asset.name;
    EXPECT_TRUE(std::regex_match(asset.etag, std::regex("\"[0-9a-f]{20}\""))) << asset.etag;
    etags.insert(asset.etag);
  }
  EXPECT_EQ(etags.size(), kWebAssetCount);  // derived from the content, which differs
}

TEST(WebAssetsTest, IndexLoadsOnlyEmbeddedFiles) {
  const std::string html = Bytes(*FindWebAsset("index.html"));
  std::regex ref(R"re((?:src|href)="([^"]*)")re");
  int refs = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator();
       ++it) {
    const std::string url = (*it)[1];
    if (url.rfind("#", 0) == 0) continue;  // in-page navigation
    ASSERT_EQ(url.rfind("/ui/", 0), 0u) << url;
    EXPECT_NE(FindWebAsset(url.substr(4)), nullptr) << url;
    ++refs;
  }
  EXPECT_EQ(refs, 2);  // app.js and style.css
}

TEST_F(WebUiTest, RootAndUiServeTheIndex) {
  const WebAsset& index = *FindWebAsset("index.html");
  for (const char* path : {"/", "/ui/"}) {
    auto res = http_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
    EXPECT_EQ(res->get_header_value("ETag"), index.etag);
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(res->body, Bytes(index));
  }
}

TEST_F(WebUiTest, UiWithoutSlashRedirects) {
  auto res = http_->Get("/ui");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 301);
  EXPECT_EQ(res->get_header_value("Location"), "/ui/");
}

TEST_F(WebUiTest, AssetsHaveTheirContentTypes) {
  for (size_t i = 0; i < kWebAssetCount; ++i) {
    const WebAsset& asset = kWebAssets[i];
    auto res = http_->Get(std::string("/ui/") + asset.name);
    ASSERT_TRUE(res) << asset.name;
    EXPECT_EQ(res->status, 200) << asset.name;
    EXPECT_EQ(res->get_header_value("Content-Type"), asset.content_type);
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
    EXPECT_EQ(res->get_header_value("ETag"), asset.etag);
    EXPECT_EQ(res->body, Bytes(asset));
  }
}

TEST_F(WebUiTest, MatchingEtagIsNotModified) {
  const WebAsset& app = *FindWebAsset("app.js");
  auto res = http_->Get("/ui/app.js", {{"If-None-Match", std::string("\"x\", W/") + app.etag}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 304);
  EXPECT_EQ(res->body, "");
  EXPECT_EQ(res->get_header_value("ETag"), app.etag);

  res = http_->Get("/ui/app.js", {{"If-None-Match", "\"0123456789abcdef0123\""}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, Bytes(app));
}

TEST_F(WebUiTest, UnknownAssetIsJson404) {
  auto res = http_->Get("/ui/missing.js");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(res->body), (json{{"error", "no web UI file 'missing.js'"}}));

  res = http_->Get("/ui/nested/app.js");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body), (json{{"error", "no route for GET /ui/nested/app.js"}}));
}

TEST_F(WebUiTest, QueryApiStillAnswersBesideTheUi) {
  auto res = http_->Get("/api/traces");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["total"], 0);
}

}  // namespace
}  // namespace ptx::emulator
