// Small text helpers shared by the environment, header and baggage parsers.
//
//   std::string v = ptx::PercentDecode("a%20b");   // "a b"
//   std::string_view t = ptx::TrimSpaces("  x ");  // "x"
#pragma once

#include <string>
#include <string_view>

namespace ptx {

// Decodes %XX escapes; a malformed escape is kept literally.
std::string PercentDecode(std::string_view text);
// Strips spaces and tabs at both ends.
std::string_view TrimSpaces(std::string_view text);
// ASCII lowercase copy.
std::string AsciiLower(std::string_view text);
// Appends text as a JSON string literal (quotes included); bytes >= 0x80 pass through.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace ptx
