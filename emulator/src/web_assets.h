// The web UI's files (emulator/web/), embedded into the binary at build time by
// emulator/cmake/embed_web_assets.cmake, and served by web_ui.h.
//
//   const WebAsset* index = FindWebAsset("index.html");
//   if (index) Serve(index->data, index->size, index->content_type);
#pragma once

#include <cstddef>
#include <string_view>

namespace ptx::emulator {

// One embedded file. Immutable, so any thread may read it.
struct WebAsset {
  // File name relative to emulator/web/, e.g. "app.js".
  const char* name;
  // Content-Type header value, charset included for text.
  const char* content_type;
  // Quoted strong entity tag derived from the content's SHA-256.
  const char* etag;
  // The bytes (not NUL-terminated as far as `size` is concerned).
  const unsigned char* data;
  // Number of bytes in `data`.
  size_t size;
};

// Defined in the generated web_assets.cc.
extern const WebAsset kWebAssets[];
extern const size_t kWebAssetCount;

// The asset called `name`, or nullptr.
inline const WebAsset* FindWebAsset(std::string_view name) {
  for (size_t i = 0; i < kWebAssetCount; ++i) {
    if (name == kWebAssets[i].name) return &kWebAssets[i];
  }
  return nullptr;
}

}  // namespace ptx::emulator
