#include "ptx/signing/sls_request.h"

#include <algorithm>

namespace ptx::signing {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

const std::string* FindHeader(const SlsRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

void SetHeader(SlsRequest& request, std::string_view name, std::string value) {
  RemoveHeader(request, name);
  request.headers.emplace_back(std::string(name), std::move(value));
}

void RemoveHeader(SlsRequest& request, std::string_view name) {
  auto& headers = request.headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return EqualsIgnoreCase(h.first, name); }),
                headers.end());
}

}  // namespace ptx::signing
