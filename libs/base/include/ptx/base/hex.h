// Lowercase hex and base64 helpers shared by ids, signing and the emulator.
//
//   std::string h = ptx::HexEncode(bytes);           // "0af7651916cd43dd"
//   bool ok = ptx::HexDecode(h, out, sizeof(out));   // exact length, either case
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ptx {

std::string HexEncode(const uint8_t* data, size_t size, bool upper = false);
inline std::string HexEncode(std::string_view data, bool upper = false) {
  return HexEncode(reinterpret_cast<const uint8_t*>(data.data()), data.size(), upper);
}
// Decodes exactly 2*size hex characters (either case) into out. False on any other input.
bool HexDecode(std::string_view hex, uint8_t* out, size_t size);

std::string Base64Encode(std::string_view data);
// Standard alphabet with padding; false on malformed input.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace ptx
