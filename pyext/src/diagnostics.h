// SDK-internal messages printed before the console sink exists (configuration time).
#pragma once

#include <string>

namespace ptx::py {

// Prints "pytracingx: <message>" to stderr once per distinct message.
void WarnOnce(const std::string& message);

}  // namespace ptx::py
