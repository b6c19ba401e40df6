// OTLP/JSON <-> protobuf messages, following the OTLP encoding rules that differ from plain
// proto3 JSON: trace and span ids are hex strings, not base64.
//
//   ExportTraceServiceRequest request;
//   Status s = OtlpJsonToMessage(body, &request);        // 400 when !s.ok()
//   Result<std::string> json = MessageToOtlpJson(request);
#pragma once

#include <string>
#include <string_view>

#include "ptx/base/status.h"

namespace google::protobuf {
class Message;
}

namespace ptx::emulator {

// Deepest JSON nesting accepted; deeper input is refused before any recursive processing.
inline constexpr int kMaxJsonDepth = 64;

// Parses OTLP/JSON into `out` (cleared first). Accepts lowerCamelCase and proto field names,
// enums as integers or names, 64-bit integers as strings or numbers, and ignores unknown
// fields. InvalidArgument on malformed JSON, bad hex ids or type mismatches.
Status OtlpJsonToMessage(std::string_view json, google::protobuf::Message* out);

// Serialises `message` as OTLP/JSON: lowerCamelCase keys, enums as integers, 64-bit integers
// as strings, ids as lowercase hex.
Result<std::string> MessageToOtlpJson(const google::protobuf::Message& message);

// True when `json` nests arrays and objects no deeper than max_depth (strings are skipped).
bool JsonDepthWithin(std::string_view json, int max_depth);

}  // namespace ptx::emulator
