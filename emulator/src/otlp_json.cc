#include "otlp_json.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "ptx/base/hex.h"

namespace ptx::emulator {
namespace {

using nlohmann::json;

// Every field OTLP encodes as hex. Attribute keys never appear as JSON object keys (they are
// KeyValue.key values), so matching on the key name alone is exact.
bool IsIdKey(const std::string& key) {
  return key == "traceId" || key == "spanId" || key == "parentSpanId" || key == "trace_id" ||
         key == "span_id" || key == "parent_span_id";
}

// Rewrites hex ids to base64 (to_base64) or base64 ids to hex. Depth is bounded by the caller.
Status ConvertIds(json& node, bool to_base64) {
  if (node.is_array()) {
    for (json& child : node) {
      Status s = ConvertIds(child, to_base64);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
  if (!node.is_object()) return Status::Ok();
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (IsIdKey(it.key()) && it.value().is_string()) {
      const std::string& text = it.value().get_ref<const std::string&>();
      if (to_base64) {
        std::string bytes(text.size() / 2, '\0');
        if (text.size() % 2 != 0 ||
            !HexDecode(text, reinterpret_cast<uint8_t*>(bytes.data()), bytes.size())) {
          return InvalidArgumentError("\"" + it.key() + "\" is not a hex string");
        }
        it.value() = Base64Encode(bytes);
      } else {
        std::string bytes;
        if (!Base64Decode(text, &bytes)) return InternalError("protobuf wrote a non-base64 id");
        it.value() = HexEncode(bytes);
      }
      continue;
    }
    Status s = ConvertIds(it.value(), to_base64);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

bool JsonDepthWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

Status OtlpJsonToMessage(std::string_view text, google::protobuf::Message* out) {
  out->Clear();
  if (!JsonDepthWithin(text, kMaxJsonDepth)) {
    return InvalidArgumentError("JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgumentError("malformed JSON");
  if (!doc.is_object()) return InvalidArgumentError("OTLP/JSON payload must be an object");
  Status s = ConvertIds(doc, /*to_base64=*/true);
  if (!s.ok()) return s;

  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  std::string normalized = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  auto status = google::protobuf::util::JsonStringToMessage(normalized, out, options);
  if (!status.ok()) {
    out->Clear();
    return InvalidArgumentError("invalid OTLP/JSON: " + std::string(status.message()));
  }
  return Status::Ok();
}

Result<std::string> MessageToOtlpJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_enums_as_ints = true;
  std::string text;
  auto status = google::protobuf::util::MessageToJsonString(message, &text, options);
  if (!status.ok()) return InternalError(std::string(status.message()));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InternalError("protobuf wrote malformed JSON");
  Status s = ConvertIds(doc, /*to_base64=*/false);
  if (!s.ok()) return s;
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ptx::emulator
