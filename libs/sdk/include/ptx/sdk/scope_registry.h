// Interning of instrumentation scopes: every span of one (name, version) points at the same
// InstrumentationScope, which lives until the process exits.
//
//   const ptx::InstrumentationScope* scope = ptx::ScopeRegistry::Intern("my.lib", "1.2");
//   options.scope = scope;
#pragma once

#include <string_view>

#include "ptx/sdk/span_data.h"

namespace ptx {

// Thread-safe and fork-safe (the registry installs its own pthread_atfork handlers, so a
// child never inherits its lock held); the returned pointers are never invalidated.
class ScopeRegistry {
 public:
  static const InstrumentationScope* Intern(std::string_view name, std::string_view version);
};

}  // namespace ptx
