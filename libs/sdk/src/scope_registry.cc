#include "ptx/sdk/scope_registry.h"

#include <pthread.h>

#include <deque>
#include <mutex>
#include <string>

namespace ptx {
namespace {

struct Registry {
  std::mutex mu;
  std::deque<InstrumentationScope> scopes;  // GUARDED_BY(mu); deque: stable addresses
};

// Never destroyed: spans may point at scopes during static destruction. Being immortal, it
// can own process-wide fork handlers.
Registry& GetRegistry() {
  static Registry* registry = [] {
    auto* r = new Registry();
    pthread_atfork([] { GetRegistry().mu.lock(); }, [] { GetRegistry().mu.unlock(); },
                   [] { GetRegistry().mu.unlock(); });
    return r;
  }();
  return *registry;
}

}  // namespace

const InstrumentationScope* ScopeRegistry::Intern(std::string_view name,
                                                  std::string_view version) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  // Few distinct scopes per process; a linear scan beats hashing at this size.
  for (const auto& s : r.scopes) {
    if (s.name == name && s.version == version) return &s;
  }
  r.scopes.push_back(InstrumentationScope{std::string(name), std::string(version)});
  return &r.scopes.back();
}


}  // namespace ptx
