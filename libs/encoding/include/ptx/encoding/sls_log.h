// The SLS LogGroup wire format (proto2, spec/sls.md): PutLogs sends one LogGroup, PullLogs
// returns a LogGroupList. Encoding is hand-written (it is on the export hot path); decoding
// checks the required fields.
//
//   std::string body = ptx::encoding::EncodeLogGroup(group);
//   ptx::Result<ptx::encoding::SlsLogGroup> back = ptx::encoding::DecodeLogGroup(body);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ptx/base/status.h"

namespace ptx::encoding {

// One key/value of a log. Values are bytes; SLS expects UTF-8.
struct SlsLogContent {
  std::string key;
  std::string value;
};

// One log line.
struct SlsLog {
  uint32_t time = 0;                    // unix seconds (Time)
  std::optional<uint32_t> time_ns;      // nanosecond part (Time_ns), absent when not set
  std::vector<SlsLogContent> contents;  // in order
};

// A batch of logs sharing topic, source and tags. Empty topic/source are left off the wire
// (absent and empty read back the same). Plain data, thread-compatible.
struct SlsLogGroup {
  std::vector<SlsLog> logs;
  std::string topic;   // __topic__
  std::string source;  // __source__
  std::vector<std::pair<std::string, std::string>> tags;  // LogTags (__tag__:key)
};

// Field-by-field equality: what a decode of an encode gives back.
inline bool operator==(const SlsLogContent& a, const SlsLogContent& b) {
  return a.key == b.key && a.value == b.value;
}
inline bool operator==(const SlsLog& a, const SlsLog& b) {
  return a.time == b.time && a.time_ns == b.time_ns && a.contents == b.contents;
}
inline bool operator==(const SlsLogGroup& a, const SlsLogGroup& b) {
  return a.logs == b.logs && a.topic == b.topic && a.source == b.source && a.tags == b.tags;
}

// Serialized sls.LogGroup, fields in number order (byte-identical to the generated serializer).
std::string EncodeLogGroup(const SlsLogGroup& group);
// InvalidArgument when the bytes are not a LogGroup (or miss a required field).
Result<SlsLogGroup> DecodeLogGroup(std::string_view data);

// Serialized sls.LogGroupList (the PullLogs body before compression).
std::string EncodeLogGroupList(const std::vector<SlsLogGroup>& groups);
Result<std::vector<SlsLogGroup>> DecodeLogGroupList(std::string_view data);

}  // namespace ptx::encoding
