#include "ptx/sdk/resource.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string_view>

namespace ptx {
namespace {

constexpr std::string_view kServiceName = "service.name";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexDigit(in[i + 1]);
    int lo = HexDigit(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    *out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string HostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return {};
  return std::string(buf);
}

const std::string* FindString(const Attributes& attrs, std::string_view key) {
  for (const auto& kv : attrs) {
    if (kv.first == key) return std::get_if<std::string>(&kv.second);
  }
  return nullptr;
}

}  // namespace

Attributes ParseResourceAttributes(const std::string& text) {
  Attributes out;
  std::string_view rest = text;
  std::string key, value;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view member = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t eq = member.find('=');
    if (eq == std::string_view::npos) continue;
    if (!PercentDecode(Trim(member.substr(0, eq)), &key) || key.empty()) continue;
    if (!PercentDecode(Trim(member.substr(eq + 1)), &value)) continue;
    SetAttribute(out, key, value);
  }
  return out;
}

Resource BuildResource(const ResourceOptions& options) {
  Resource r;
  Attributes& a = r.attributes;
  a.reserve(8 + options.user_attributes.size());
  a.emplace_back(std::string(kServiceName), std::string("unknown_service"));
  a.emplace_back("telemetry.sdk.name", std::string("pytracingx"));
  a.emplace_back("telemetry.sdk.language", std::string("python"));
  a.emplace_back("telemetry.sdk.version", options.sdk_version);
  std::string host = HostName();
  if (!host.empty()) a.emplace_back("host.name", std::move(host));
  a.emplace_back("process.pid", static_cast<int64_t>(getpid()));

  std::string env_service;
  if (options.read_environment) {
    std::string env_attrs = Getenv("OTEL_RESOURCE_ATTRIBUTES");
    for (auto& kv : ParseResourceAttributes(env_attrs)) {
      SetAttribute(a, kv.first, std::move(kv.second));
    }
    env_service = Getenv("OTEL_SERVICE_NAME");
  }
  if (!options.service_name.empty()) {
    SetAttribute(a, kServiceName, options.service_name);
  } else if (!env_service.empty()) {
    SetAttribute(a, kServiceName, env_service);
  } else if (const std::string* s = FindString(a, kServiceName); s && s->empty()) {
    SetAttribute(a, kServiceName, std::string("unknown_service"));
  }
  for (const auto& kv : options.user_attributes) SetAttribute(a, kv.first, kv.second);
  return r;
}

void RefreshProcessPid(Resource& resource) {
  for (auto& kv : resource.attributes) {
    if (kv.first == "process.pid") kv.second = static_cast<int64_t>(getpid());
  }
}

}  // namespace ptx
