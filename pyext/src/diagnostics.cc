#include "diagnostics.h"

#include <cstdio>
#include <mutex>
#include <set>

namespace ptx::py {

void WarnOnce(const std::string& message) {
  static std::mutex mu;
  static std::set<std::string>* seen = new std::set<std::string>();  // lives until exit
  std::lock_guard<std::mutex> lock(mu);
  if (!seen->insert(message).second) return;
  std::fprintf(stderr, "pytracingx: %s\n", message.c_str());
}

}  // namespace ptx::py
