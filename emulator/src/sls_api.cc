#include "sls_api.h"

#include <cstdint>
#include <random>

#include <nlohmann/json.hpp>

#include "ptx/base/hex.h"

namespace ptx::emulator {

std::string NewSlsRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint8_t bytes[12];
  for (size_t i = 0; i < sizeof(bytes); i += 4) {
    uint32_t word = static_cast<uint32_t>(rng());
    for (size_t j = 0; j < 4; ++j) bytes[i + j] = static_cast<uint8_t>(word >> (8 * j));
  }
  return HexEncode(bytes, sizeof(bytes), /*upper=*/true);
}

void SlsApi::RenderError(httplib::Response& res, int http_status, const std::string& error_code,
                         const std::string& message) {
  nlohmann::json body{{"errorCode", error_code}, {"errorMessage", message}};
  res.status = http_status;
  res.set_header("x-log-requestid", NewSlsRequestId());
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void SlsApi::Register(httplib::Server& server) {
  auto not_served = [](const httplib::Request& req, httplib::Response& res) {
    RenderError(res, 501, "NotImplemented",
                req.method + " " + req.path + " is not served by this ptx-emulator version");
  };
  const char* kAnyPath = R"(/.*)";
  server.Get(kAnyPath, not_served);
  server.Post(kAnyPath, not_served);
  server.Put(kAnyPath, not_served);
  server.Delete(kAnyPath, not_served);
}

}  // namespace ptx::emulator
