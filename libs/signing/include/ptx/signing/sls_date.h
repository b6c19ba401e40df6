// The two time formats SLS signatures carry: RFC 1123 (`Date`, signature v1) and the compact
// ISO 8601 basic form (`x-log-date`, signature v4). Locale-independent, always UTC.
//
//   std::string date = ptx::signing::Rfc1123Date(std::chrono::system_clock::now());
//   auto when = ptx::signing::ParseRfc1123Date("Mon, 3 Jan 2010 08:33:47 GMT");
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "ptx/base/status.h"

namespace ptx::signing {

using SystemTime = std::chrono::system_clock::time_point;

// "Mon, 02 Jan 2006 15:04:05 GMT" (English names, two-digit day, whole seconds).
std::string Rfc1123Date(SystemTime time);
// Accepts a one- or two-digit day and the zone "GMT" or "UTC"; the weekday name is checked for
// form only. InvalidArgument otherwise.
Result<SystemTime> ParseRfc1123Date(std::string_view text);

// "20220808T032330Z".
std::string V4DateTime(SystemTime time);
// Exactly YYYYMMDDTHHMMSSZ; InvalidArgument otherwise.
Result<SystemTime> ParseV4DateTime(std::string_view text);

}  // namespace ptx::signing
