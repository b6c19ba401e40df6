#include "ptx/encoding/sls_log.h"

#include <climits>

#include "sls/log.pb.h"

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

SlsLogGroup FromProto(const sls::LogGroup& proto) {
  SlsLogGroup group;
  group.logs.reserve(proto.logs_size());
  for (const sls::Log& proto_log : proto.logs()) {
    SlsLog& log = group.logs.emplace_back();
    log.time = proto_log.time();
    if (proto_log.has_time_ns()) log.time_ns = proto_log.time_ns();
    log.contents.reserve(proto_log.contents_size());
    for (const sls::Log::Content& content : proto_log.contents()) {
      log.contents.push_back({content.key(), content.value()});
    }
  }
  group.topic = proto.topic();
  group.source = proto.source();
  group.tags.reserve(proto.logtags_size());
  for (const sls::LogTag& tag : proto.logtags()) group.tags.emplace_back(tag.key(), tag.value());
  return group;
}

// ParseFromArray would log missing required fields to stderr; a server sees such input often.
template <typename Message>
Status Parse(std::string_view data, const char* what, Message* message) {
  if (data.size() > INT_MAX ||
      !message->ParsePartialFromArray(data.data(), static_cast<int>(data.size()))) {
    return InvalidArgumentError(std::string("malformed ") + what);
  }
  if (!message->IsInitialized()) {
    return InvalidArgumentError(std::string("malformed ") + what + ": missing required fields " +
                                message->InitializationErrorString());
  }
  return Status::Ok();
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
  sls::LogGroup proto;
  if (Status status = Parse(data, "SLS LogGroup", &proto); !status.ok()) return status;
  return FromProto(proto);
}

Result<std::vector<SlsLogGroup>> DecodeLogGroupList(std::string_view data) {
  sls::LogGroupList proto;
  if (Status status = Parse(data, "SLS LogGroupList", &proto); !status.ok()) return status;
  std::vector<SlsLogGroup> groups;
  groups.reserve(proto.loggroups_size());
  for (const sls::LogGroup& group : proto.loggroups()) groups.push_back(FromProto(group));
  return groups;
}

}  // namespace ptx::encoding
