// Case-insensitive ASCII comparison without allocating, for header names and B3 "true".
#pragma once

#include <string_view>

namespace ptx::context_internal {

// True when `text` equals `lower` (already lowercase) ignoring ASCII case.
inline bool EqualsLowercase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace ptx::context_internal
