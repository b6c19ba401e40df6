#include "web_ui.h"

#include <string>

#include "query_api.h"
#include "web_assets.h"

namespace ptx::emulator {
namespace {

// True when the request's If-None-Match lists `etag` (or is "*").
bool NotModified(const httplib::Request& req, const std::string& etag) {
  const std::string header = req.get_header_value("If-None-Match");
  if (header.empty()) return false;
  if (header == "*") return true;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string::npos) comma = header.size();
    std::string tag = header.substr(pos, comma - pos);
    size_t begin = tag.find_first_not_of(" \t");
    size_t end = tag.find_last_not_of(" \t");
    if (begin != std::string::npos) {
      tag = tag.substr(begin, end - begin + 1);
      if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);  // weak comparison, as GET allows
      if (tag == etag) return true;
    }
    pos = comma + 1;
  }
  return false;
}

void ServeAsset(const WebAsset& asset, const httplib::Request& req, httplib::Response& res) {
  // The file names carry no version, so browsers must revalidate every time; the ETag keeps
  // that to a 304 until the binary's assets change.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", asset.etag);
  res.set_header("X-Content-Type-Options", "nosniff");
  if (NotModified(req, asset.etag)) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(reinterpret_cast<const char*>(asset.data), asset.size, asset.content_type);
}

}  // namespace

void RegisterWebUi(httplib::Server& server) {
  auto index = [](const httplib::Request& req, httplib::Response& res) {
    const WebAsset* asset = FindWebAsset("index.html");
    if (!asset) return QueryApi::RenderError(res, 404, "the web UI is not built in");
    ServeAsset(*asset, req, res);
  };
  server.Get("/", index);
  server.Get("/ui/", index);
  server.Get("/ui", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/ui/", 301);
  });
  server.Get(R"(/ui/([^/]+))", [](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    const WebAsset* asset = FindWebAsset(name);
    if (!asset) return QueryApi::RenderError(res, 404, "no web UI file '" + name + "'");
    ServeAsset(*asset, req, res);
  });
}

}  // namespace ptx::emulator
