#include "ptx/encoding/sls_log.h"

#include "ptx/base/proto_wire.h"

namespace ptx::encoding {
namespace {

// Every field number here is below 16, so each tag is one byte.
enum WireType : uint8_t { kVarint = 0, kLengthDelimited = 2, kFixed32 = 5 };

constexpr char Tag(uint8_t field, WireType type) { return static_cast<char>(field << 3 | type); }

// Field numbers of sls/log.proto.
constexpr char kLogTime = Tag(1, kVarint);
constexpr char kLogContents = Tag(2, kLengthDelimited);
constexpr char kLogTimeNs = Tag(4, kFixed32);
constexpr char kContentKey = Tag(1, kLengthDelimited);
constexpr char kContentValue = Tag(2, kLengthDelimited);
constexpr char kGroupLogs = Tag(1, kLengthDelimited);
constexpr char kGroupTopic = Tag(3, kLengthDelimited);
constexpr char kGroupSource = Tag(4, kLengthDelimited);
constexpr char kGroupTags = Tag(6, kLengthDelimited);
constexpr char kTagKey = Tag(1, kLengthDelimited);
constexpr char kTagValue = Tag(2, kLengthDelimited);
constexpr char kListGroups = Tag(1, kLengthDelimited);

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

// Size of a length-delimited field whose payload is `size` bytes, tag included.
size_t FieldSize(size_t size) { return 1 + VarintSize(size) + size; }

size_t PairSize(std::string_view key, std::string_view value) {
  return FieldSize(key.size()) + FieldSize(value.size());
}

size_t LogSize(const SlsLog& log) {
  size_t size = 1 + VarintSize(log.time);
  for (const SlsLogContent& content : log.contents) {
    size += FieldSize(PairSize(content.key, content.value));
  }
  if (log.time_ns) size += 1 + 4;
  return size;
}

size_t GroupSize(const SlsLogGroup& group) {
  size_t size = 0;
  for (const SlsLog& log : group.logs) size += FieldSize(LogSize(log));
  if (!group.topic.empty()) size += FieldSize(group.topic.size());
  if (!group.source.empty()) size += FieldSize(group.source.size());
  for (const auto& [key, value] : group.tags) size += FieldSize(PairSize(key, value));
  return size;
}

void PutVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void PutHeader(std::string& out, char tag, size_t size) {
  out += tag;
  PutVarint(out, size);
}

void PutBytes(std::string& out, char tag, std::string_view bytes) {
  PutHeader(out, tag, bytes.size());
  out.append(bytes.data(), bytes.size());
}

void PutPair(std::string& out, char tag, char key_tag, std::string_view key, char value_tag,
             std::string_view value) {
  PutHeader(out, tag, PairSize(key, value));
  PutBytes(out, key_tag, key);
  PutBytes(out, value_tag, value);
}

void PutLog(std::string& out, const SlsLog& log) {
  PutHeader(out, kGroupLogs, LogSize(log));
  out += kLogTime;
  PutVarint(out, log.time);
  for (const SlsLogContent& content : log.contents) {
    PutPair(out, kLogContents, kContentKey, content.key, kContentValue, content.value);
  }
  if (log.time_ns) {
    out += kLogTimeNs;
    uint32_t ns = *log.time_ns;
    for (int i = 0; i < 4; ++i) out += static_cast<char>((ns >> (8 * i)) & 0xff);  // little-endian
  }
}

void PutGroup(std::string& out, const SlsLogGroup& group) {
  for (const SlsLog& log : group.logs) PutLog(out, log);
  if (!group.topic.empty()) PutBytes(out, kGroupTopic, group.topic);
  if (!group.source.empty()) PutBytes(out, kGroupSource, group.source);
  for (const auto& [key, value] : group.tags) {
    PutPair(out, kGroupTags, kTagKey, key, kTagValue, value);
  }
}

bool IsBytes(const ProtoWireReader& r, uint32_t field) {
  return r.field() == field && r.type() == ProtoWireType::kLengthDelimited;
}

// Reads a proto2 message whose fields are all required strings Key = 1 and Value = 2 (Content,
// LogTag); names each missing one as `path`.Key / `path`.Value in `missing`.
bool ReadPair(std::string_view data, const std::string& path, std::string* key,
              std::string* value, std::vector<std::string>* missing) {
  bool has_key = false;
  bool has_value = false;
  ProtoWireReader r(data);
  while (r.Next()) {
    if (IsBytes(r, 1)) {
      key->assign(r.bytes());
      has_key = true;
    } else if (IsBytes(r, 2)) {
      value->assign(r.bytes());
      has_value = true;
    }
  }
  if (!has_key) missing->push_back(path + ".Key");
  if (!has_value) missing->push_back(path + ".Value");
  return r.ok();
}

bool ReadLog(std::string_view data, const std::string& path, SlsLog* log,
             std::vector<std::string>* missing) {
  bool has_time = false;
  ProtoWireReader r(data);
  while (r.Next()) {
    if (r.field() == 1 && r.type() == ProtoWireType::kVarint) {
      log->time = static_cast<uint32_t>(r.varint());
      has_time = true;
    } else if (IsBytes(r, 2)) {
      SlsLogContent& content = log->contents.emplace_back();
      const std::string content_path =
          path + ".Contents[" + std::to_string(log->contents.size() - 1) + "]";
      if (!ReadPair(r.bytes(), content_path, &content.key, &content.value, missing)) return false;
    } else if (r.field() == 4 && r.type() == ProtoWireType::kFixed32) {
      log->time_ns = static_cast<uint32_t>(r.varint());
    }
  }
  if (!has_time) missing->push_back(path + ".Time");
  return r.ok();
}

// Reads one LogGroup; `prefix` is its path inside a list ("" for a lone group).
bool ReadGroup(std::string_view data, const std::string& prefix, SlsLogGroup* group,
               std::vector<std::string>* missing) {
  ProtoWireReader r(data);
  while (r.Next()) {
    if (IsBytes(r, 1)) {
      SlsLog& log = group->logs.emplace_back();
      const std::string path = prefix + "Logs[" + std::to_string(group->logs.size() - 1) + "]";
      if (!ReadLog(r.bytes(), path, &log, missing)) return false;
    } else if (IsBytes(r, 3)) {
      group->topic.assign(r.bytes());
    } else if (IsBytes(r, 4)) {
      group->source.assign(r.bytes());
    } else if (IsBytes(r, 6)) {
      auto& [key, value] = group->tags.emplace_back();
      const std::string path =
          prefix + "LogTags[" + std::to_string(group->tags.size() - 1) + "]";
      if (!ReadPair(r.bytes(), path, &key, &value, missing)) return false;
    }
  }
  return r.ok();
}

// Malformed bytes and missing required fields are both InvalidArgument; the latter lists the
// fields the way protobuf's InitializationErrorString() does.
Status Check(bool parsed, const std::vector<std::string>& missing, const char* what) {
  if (!parsed) return InvalidArgumentError(std::string("malformed ") + what);
  if (missing.empty()) return Status::Ok();
  std::string message = std::string("malformed ") + what + ": missing required fields ";
  for (size_t i = 0; i < missing.size(); ++i) {
    if (i > 0) message += ", ";
    message += missing[i];
  }
  return InvalidArgumentError(std::move(message));
}

}  // namespace

std::string EncodeLogGroup(const SlsLogGroup& group) {
  std::string out;
  out.reserve(GroupSize(group));
  PutGroup(out, group);
  return out;
}

std::string EncodeLogGroupList(const std::vector<SlsLogGroup>& groups) {
  std::vector<size_t> sizes;
  sizes.reserve(groups.size());
  size_t total = 0;
  for (const SlsLogGroup& group : groups) {
    sizes.push_back(GroupSize(group));
    total += FieldSize(sizes.back());
  }
  std::string out;
  out.reserve(total);
  for (size_t i = 0; i < groups.size(); ++i) {
    PutHeader(out, kListGroups, sizes[i]);
    PutGroup(out, groups[i]);
  }
  return out;
}

Result<SlsLogGroup> DecodeLogGroup(std::string_view data) {
  SlsLogGroup group;
  std::vector<std::string> missing;
  const bool parsed = ReadGroup(data, "", &group, &missing);
  if (Status status = Check(parsed, missing, "SLS LogGroup"); !status.ok()) return status;
  return group;
}

Result<std::vector<SlsLogGroup>> DecodeLogGroupList(std::string_view data) {
  std::vector<SlsLogGroup> groups;
  std::vector<std::string> missing;
  ProtoWireReader r(data);
  bool parsed = true;
  while (parsed && r.Next()) {
    if (!IsBytes(r, 1)) continue;
    const std::string prefix = "LogGroups[" + std::to_string(groups.size()) + "].";
    parsed = ReadGroup(r.bytes(), prefix, &groups.emplace_back(), &missing);
  }
  parsed = parsed && r.ok();
  if (Status status = Check(parsed, missing, "SLS LogGroupList"); !status.ok()) return status;
  return groups;
}

}  // namespace ptx::encoding
