#include "sls_api.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <random>
#include <thread>

#include "http_listener.h"
#include "ptx/base/hex.h"
#include "ptx/base/text.h"
#include "ptx/compression/codec.h"
#include "ptx/signing/sls_auth.h"
#include "ptx/signing/sls_signature.h"

namespace ptx::emulator {
namespace {

using nlohmann::json;

constexpr char kProtobufType[] = "application/x-protobuf";
constexpr int64_t kPastWindowS = 7 * 24 * 3600;  // logs older than 7 days are refused
constexpr int64_t kFutureWindowS = 15 * 60;      // and more than 15 minutes ahead
constexpr size_t kMaxLinesPerQuery = 100;        // GetLogs answers at most 100 logs per call
constexpr size_t kMaxPullCount = 1000;           // PullLogs returns at most 1000 log groups

SlsError Error(int http_status, std::string code, std::string message) {
  return SlsError{http_status, std::move(code), std::move(message)};
}

SlsError ParameterInvalid(const std::string& message) {
  return Error(400, "ParameterInvalid", message);
}

std::optional<SlsError> FromOutcome(SlsOutcome outcome, const std::string& project,
                                    const std::string& logstore = "") {
  switch (outcome) {
    case SlsOutcome::kOk:
      return std::nullopt;
    case SlsOutcome::kProjectNotExist:
      return Error(404, "ProjectNotExist", "Project " + project + " does not exist");
    case SlsOutcome::kLogStoreNotExist:
      return Error(404, "LogStoreNotExist", "logstore " + logstore + " does not exist");
    case SlsOutcome::kProjectAlreadyExist:
      return Error(400, "ProjectAlreadyExist", "Project " + project + " already exist");
    case SlsOutcome::kLogStoreAlreadyExist:
      return Error(400, "LogStoreAlreadyExist", "logstore " + logstore + " already exists");
    case SlsOutcome::kInvalidCursor:
      return Error(400, "InvalidCursor", "cursor is beyond the end of the shard");
  }
  return Error(500, "InternalServerError", "unknown store outcome");
}

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void SendJson(httplib::Response& res, const json& body) {
  res.status = 200;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

template <typename T>
bool ParseInteger(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// A JSON number or numeric string as an integer.
std::optional<int64_t> JsonInteger(const json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    // Out of range (1e300) has no integer value; casting it would be undefined behaviour.
    double number = value.get<double>();
    if (!(number > -9.2e18 && number < 9.2e18)) return std::nullopt;
    return static_cast<int64_t>(number);
  }
  if (value.is_string()) {
    int64_t out = 0;
    if (ParseInteger(value.get_ref<const std::string&>(), &out)) return out;
  }
  return std::nullopt;
}

std::optional<bool> JsonBool(const json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    std::string text = AsciiLower(value.get_ref<const std::string&>());
    if (text == "true") return true;
    if (text == "false") return false;
  }
  return std::nullopt;
}

bool IsIpv4(std::string_view host) {
  int labels = 0;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? dot : dot - start);
    unsigned value = 0;
    if (label.empty() || label.size() > 3 || !ParseInteger(label, &value) || value > 255) {
      return false;
    }
    ++labels;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels == 4;
}

signing::SlsRequest ToSigningRequest(const httplib::Request& req) {
  signing::SlsRequest request;
  request.method = req.method;
  request.path = req.path;
  for (const auto& [key, value] : req.params) request.query.emplace_back(key, value);
  for (const auto& [key, value] : req.headers) {
    if (key == kOriginalContentEncodingHeader) {
      request.headers.emplace_back("Content-Encoding", value);
    } else {
      request.headers.emplace_back(key, value);
    }
  }
  request.body = req.body;
  return request;
}

// The search of GetLogs v1 and v2 once its parameters are parsed.
struct LogsQuery {
  int64_t from = 0;  // __time__ >= from
  int64_t to = 0;    // __time__ < to
  size_t line = kMaxLinesPerQuery;
  size_t offset = 0;
  bool reverse = false;
  std::string topic;  // "" = any topic
  std::string query_text;
  SlsQuery query;
};

std::optional<SlsError> CheckLogsQuery(LogsQuery& q, std::optional<int64_t> from,
                                       std::optional<int64_t> to, std::optional<int64_t> line,
                                       std::optional<int64_t> offset) {
  if (!from || !to) return ParameterInvalid("from and to (unix seconds) are required");
  if (*from > *to) return ParameterInvalid("from must not be after to");
  q.from = *from;
  q.to = *to;
  if (line) {
    if (*line < 0) return ParameterInvalid("line must be 0..100");
    q.line = std::min<size_t>(static_cast<size_t>(*line), kMaxLinesPerQuery);
  }
  if (offset) {
    if (*offset < 0) return ParameterInvalid("offset must not be negative");
    q.offset = static_cast<size_t>(*offset);
  }
  Result<SlsQuery> parsed = SlsQuery::Parse(q.query_text);
  if (!parsed.ok()) return ParameterInvalid(parsed.status().message());
  q.query = *parsed;
  return std::nullopt;
}

json RowToJson(const SlsRow& row) {
  json out = json::object();
  for (const auto& [key, value] : row) out[key] = value;
  return out;
}

// Matching logs as GetLogs rows, after offset and line; *matched counts them all.
std::optional<SlsError> RunLogsQuery(SlsStore& store, const std::string& project,
                                     const std::string& logstore, const LogsQuery& q,
                                     json* rows, size_t* matched) {
  std::vector<StoredLogGroupPtr> groups;
  if (auto error = FromOutcome(store.Snapshot(project, logstore, &groups), project, logstore)) {
    return error;
  }
  struct Hit {
    int64_t time;
    SlsRow row;
  };
  std::vector<Hit> hits;
  for (const StoredLogGroupPtr& stored : groups) {
    const encoding::SlsLogGroup& group = stored->group;
    if (!q.topic.empty() && group.topic != q.topic) continue;
    for (const encoding::SlsLog& log : group.logs) {
      int64_t time = static_cast<int64_t>(log.time);
      if (time < q.from || time >= q.to) continue;
      SlsRow row = LogRow(group, log);
      if (q.query.Matches(row)) hits.push_back({time, std::move(row)});
    }
  }
  // Oldest first (arrival order among equal times); reverse = newest first.
  std::stable_sort(hits.begin(), hits.end(),
                   [](const Hit& a, const Hit& b) { return a.time < b.time; });
  if (q.reverse) std::reverse(hits.begin(), hits.end());
  *matched = hits.size();
  *rows = json::array();
  for (size_t i = q.offset; i < hits.size() && rows->size() < q.line; ++i) {
    rows->push_back(RowToJson(hits[i].row));
  }
  return std::nullopt;
}

// The codec a reader asked for in Accept-Encoding, SLS's preference first.
compression::Codec ResponseCodec(const std::string& accept_encoding) {
  std::string value = AsciiLower(accept_encoding);
  if (value.find("lz4") != std::string::npos) return compression::Codec::kLz4;
  if (value.find("zstd") != std::string::npos) return compression::Codec::kZstd;
  if (value.find("deflate") != std::string::npos) return compression::Codec::kDeflate;
  return compression::Codec::kNone;
}

// Sets a read reply's body compressed as the reader's Accept-Encoding asks, with the headers the
// official SDKs decompress by (x-log-compresstype, x-log-bodyrawsize); plain when nothing fits.
std::optional<SlsError> SetReplyBody(const httplib::Request& req, httplib::Response& res,
                                     const std::string& raw, const char* content_type) {
  compression::Codec codec = raw.empty() ? compression::Codec::kNone
                                         : ResponseCodec(req.get_header_value("Accept-Encoding"));
  res.set_header("x-log-bodyrawsize", std::to_string(raw.size()));
  res.status = 200;
  if (codec == compression::Codec::kNone) {
    res.set_content(raw, content_type);
    return std::nullopt;
  }
  Result<std::string> compressed = compression::Compress(codec, raw);
  if (!compressed.ok()) {
    return Error(500, "InternalServerError", "compressing: " + compressed.status().message());
  }
  res.set_header("x-log-compresstype", compression::CodecName(codec));
  res.set_content(std::move(compressed).value(), content_type);
  return std::nullopt;
}

json LogStoreJson(const SlsLogStoreInfo& info) {
  return {{"logstoreName", info.name},
          {"ttl", info.ttl},
          {"shardCount", info.shard_count},
          {"enable_tracking", info.enable_tracking},
          {"autoSplit", info.auto_split},
          {"maxSplitShard", info.max_split_shard},
          {"appendMeta", info.append_meta},
          {"telemetryType", info.telemetry_type},
          {"mode", "standard"},
          {"createTime", info.create_time},
          {"lastModifyTime", info.create_time}};
}

}  // namespace

std::string NewSlsRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint8_t bytes[12];
  for (size_t i = 0; i < sizeof(bytes); i += 4) {
    uint32_t word = static_cast<uint32_t>(rng());
    for (size_t j = 0; j < 4; ++j) bytes[i + j] = static_cast<uint8_t>(word >> (8 * j));
  }
  return HexEncode(bytes, sizeof(bytes), /*upper=*/true);
}

std::optional<std::string> ProjectFromHost(std::string_view host) {
  if (host.empty() || host.front() == '[') return std::nullopt;  // [v6]:port has no project
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  size_t dot = host.find('.');
  if (dot == std::string_view::npos || dot == 0 || IsIpv4(host)) return std::nullopt;
  return AsciiLower(host.substr(0, dot));
}

SlsRow LogRow(const encoding::SlsLogGroup& group, const encoding::SlsLog& log) {
  SlsRow row;
  row.reserve(log.contents.size() + group.tags.size() + 4);
  row.emplace_back("__time__", std::to_string(log.time));
  if (log.time_ns) row.emplace_back("__time_ns_part__", std::to_string(*log.time_ns));
  row.emplace_back("__topic__", group.topic);
  row.emplace_back("__source__", group.source);
  for (const auto& [key, value] : group.tags) row.emplace_back("__tag__:" + key, value);
  for (const auto& content : log.contents) row.emplace_back(content.key, content.value);
  return row;
}

void SlsApi::RenderError(httplib::Response& res, int http_status, const std::string& error_code,
                         const std::string& message) {
  json body{{"errorCode", error_code}, {"errorMessage", message}};
  res.status = http_status;
  res.set_header("x-log-requestid", NewSlsRequestId());
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

bool SlsApi::ApplyFault(const httplib::Request& req, httplib::Response& res) {
  if (!options_.faults) return false;
  std::optional<FaultSpec> fault = options_.faults->Take(FaultTarget::kSls, req.path);
  if (!fault) return false;
  stats_->RecordFaultInjected();
  if (fault->delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
  if (!fault->fails()) return false;  // delayed only: handled (and stored) as usual
  stats_->RecordSlsRequest(false);
  if (fault->drop_connection) {
    // Should the connection not be found, the client gets a 503 instead.
    DropConnection(req);
    res.set_header("Connection", "close");
    RenderError(res, 503, "ServerBusy", "connection dropped (injected fault)");
    return true;
  }
  RenderError(res, fault->http_status, SlsErrorCodeFor(*fault), kInjectedFaultMessage);
  if (fault->retry_after_s) res.set_header("Retry-After", std::to_string(*fault->retry_after_s));
  return true;
}

std::optional<SlsError> SlsApi::Admit(const httplib::Request& req) const {
  if (!req.has_header("x-log-apiversion")) {
    return Error(400, "MissingAPIVersion", "x-log-apiversion header is missing");
  }
  if (req.get_header_value("x-log-apiversion") != signing::kSlsApiVersion) {
    return Error(400, "InvalidAPIVersion",
                 "x-log-apiversion " + req.get_header_value("x-log-apiversion") +
                     " is not supported, use 0.6.0");
  }
  const std::string authorization = req.get_header_value("Authorization");
  const bool v4 = authorization.rfind(signing::kV4Algorithm, 0) == 0;
  if (v4 ? !req.has_header("x-log-date") : !req.has_header("Date")) {
    return Error(400, "MissingDate", v4 ? "x-log-date header is missing" : "Date header is missing");
  }
  if (options_.credentials.empty()) {
    // Anything signed is accepted, but an Authorization must still be one SLS would parse.
    if (!authorization.empty() && !v4 && authorization.rfind("LOG ", 0) != 0) {
      return Error(401, "Unauthorized", "Authorization is neither 'LOG ak:signature' nor v4");
    }
    return std::nullopt;
  }
  signing::SlsRequest request = ToSigningRequest(req);
  auto lookup = [this](std::string_view ak_id) -> std::optional<std::string> {
    for (const auto& [id, secret] : options_.credentials) {
      if (id == ak_id) return secret;
    }
    return std::nullopt;
  };
  Status verified = signing::VerifyAuthorization(request, lookup, options_.clock());
  if (verified.ok()) return std::nullopt;
  signing::SlsErrorReply reply = signing::ToSlsErrorReply(verified);
  return Error(reply.http_status, reply.error_code, reply.error_message);
}

SlsApi::Handler SlsApi::Wrap(
    bool needs_project,
    std::function<std::optional<SlsError>(const httplib::Request&, httplib::Response&,
                                          const std::string& project)>
        handler) {
  return [this, needs_project, handler = std::move(handler)](const httplib::Request& req,
                                                             httplib::Response& res) {
    if (ApplyFault(req, res)) return;
    std::optional<SlsError> error = Admit(req);
    std::string project;
    if (!error) {
      std::optional<std::string> from_host = ProjectFromHost(req.get_header_value("Host"));
      if (from_host) {
        project = *from_host;
      } else if (needs_project) {
        error = Error(404, "ProjectNotExist",
                      "no project in Host '" + req.get_header_value("Host") +
                          "': send Host: {project}.{endpoint}");
      }
    }
    if (!error) error = handler(req, res, project);
    if (!error && req.method != "GET" && !store_->durable()) {
      error = Error(500, "InternalServerError", "not persisted: the --data-dir log failed");
    }
    if (error) {
      res.headers.clear();
      RenderError(res, error->http_status, error->code, error->message);
      stats_->RecordSlsRequest(false);
      return;
    }
    if (!res.has_header("x-log-requestid")) res.set_header("x-log-requestid", NewSlsRequestId());
    stats_->RecordSlsRequest(true);
  };
}

void SlsApi::Register(httplib::Server& server) {
  auto now = [this] { return UnixSeconds(options_.clock()); };

  // ---- Projects ----
  server.Post("/", Wrap(false, [this, now](const httplib::Request& req, httplib::Response& res,
                                           const std::string& host_project) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return std::optional<SlsError>(ParameterInvalid("body must be a JSON object"));
    }
    SlsProjectInfo info;
    info.name = host_project;
    if (info.name.empty() && body.contains("projectName") && body["projectName"].is_string()) {
      info.name = body["projectName"].get<std::string>();
    }
    if (info.name.empty()) return std::optional<SlsError>(ParameterInvalid("no project name"));
    if (body.contains("description") && body["description"].is_string()) {
      info.description = body["description"].get<std::string>();
    }
    info.create_time = now();
    std::string name = info.name;
    auto error = FromOutcome(store_->CreateProject(std::move(info)), name);
    if (!error) res.status = 200;
    return error;
  }));
  server.Get("/", Wrap(true, [this](const httplib::Request&, httplib::Response& res,
                                    const std::string& project) -> std::optional<SlsError> {
    std::optional<SlsProjectInfo> info = store_->GetProject(project);
    if (!info) return FromOutcome(SlsOutcome::kProjectNotExist, project);
    SendJson(res, {{"projectName", info->name},
                   {"description", info->description},
                   {"status", "Normal"},
                   {"region", "ptx-emulator"},
                   {"owner", ""},
                   {"createTime", std::to_string(info->create_time)},
                   {"lastModifyTime", std::to_string(info->create_time)},
                   {"resourceGroupId", ""}});
    return std::nullopt;
  }));
  server.Delete("/", Wrap(true, [this](const httplib::Request&, httplib::Response& res,
                                       const std::string& project) {
    auto error = FromOutcome(store_->DeleteProject(project), project);
    if (!error) res.status = 200;
    return error;
  }));

  // ---- Logstores ----
  server.Get("/logstores", Wrap(true, [this](const httplib::Request& req, httplib::Response& res,
                                             const std::string& project)
                                          -> std::optional<SlsError> {
    std::vector<std::string> names;
    if (auto error = FromOutcome(store_->ListLogStores(project, &names), project)) return error;
    std::string filter = req.get_param_value("logstoreName");
    if (!filter.empty()) {
      names.erase(std::remove_if(names.begin(), names.end(),
                                 [&](const std::string& n) {
                                   return n.find(filter) == std::string::npos;
                                 }),
                  names.end());
    }
    size_t offset = 0;
    size_t size = 500;
    if (req.has_param("offset") && !ParseInteger(req.get_param_value("offset"), &offset)) {
      return ParameterInvalid("offset must be a non-negative integer");
    }
    if (req.has_param("size") && !ParseInteger(req.get_param_value("size"), &size)) {
      return ParameterInvalid("size must be a non-negative integer");
    }
    json page = json::array();
    for (size_t i = offset; i < names.size() && page.size() < size; ++i) page.push_back(names[i]);
    SendJson(res, {{"count", page.size()}, {"total", names.size()}, {"logstores", page}});
    return std::nullopt;
  }));
  server.Post("/logstores", Wrap(true, [this, now](const httplib::Request& req,
                                                   httplib::Response& res,
                                                   const std::string& project)
                                           -> std::optional<SlsError> {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("logstoreName") ||
        !body["logstoreName"].is_string() || body["logstoreName"].get<std::string>().empty()) {
      return ParameterInvalid("body must be a JSON object with a logstoreName");
    }
    SlsLogStoreInfo info;
    info.name = body["logstoreName"].get<std::string>();
    // Ranges as SLS documents them: ttl 1..3650 days (3650: kept forever); maxSplitShard 1..256.
    if (body.contains("ttl")) {
      std::optional<int64_t> ttl = JsonInteger(body["ttl"]);
      if (!ttl || *ttl < 1 || *ttl > 3650) return ParameterInvalid("ttl must be an integer from 1 to 3650");
      info.ttl = static_cast<int>(*ttl);
    }
    if (body.contains("enable_tracking")) {
      info.enable_tracking = JsonBool(body["enable_tracking"]).value_or(false);
    }
    if (body.contains("appendMeta")) info.append_meta = JsonBool(body["appendMeta"]).value_or(false);
    if (body.contains("autoSplit")) info.auto_split = JsonBool(body["autoSplit"]).value_or(false);
    if (body.contains("maxSplitShard")) {
      std::optional<int64_t> max_split = JsonInteger(body["maxSplitShard"]);
      if (!max_split || *max_split < 1 || *max_split > 256) {
        return ParameterInvalid("maxSplitShard must be an integer from 1 to 256");
      }
      info.max_split_shard = static_cast<int>(*max_split);
    }
    if (body.contains("telemetryType") && body["telemetryType"].is_string()) {
      info.telemetry_type = body["telemetryType"].get<std::string>();
    }
    info.create_time = now();
    std::string name = info.name;
    auto error = FromOutcome(store_->CreateLogStore(project, std::move(info)), project, name);
    if (!error) res.status = 200;
    return error;
  }));

  const char* kLogStore = R"(/logstores/([^/]+))";
  server.Get(kLogStore, Wrap(true, [this](const httplib::Request& req, httplib::Response& res,
                                          const std::string& project)
                                       -> std::optional<SlsError> {
    const std::string logstore = req.matches[1];
    std::string type = req.get_param_value("type");
    if (type == "log") return GetLogsV1(req, res, project, logstore);
    if (!type.empty()) {
      return Error(501, "NotImplemented", "type=" + type + " is not served by ptx-emulator");
    }
    SlsLogStoreInfo info;
    if (auto error = FromOutcome(store_->GetLogStore(project, logstore, &info), project,
                                 logstore)) {
      return error;
    }
    SendJson(res, LogStoreJson(info));
    return std::nullopt;
  }));
  server.Delete(kLogStore, Wrap(true, [this](const httplib::Request& req, httplib::Response& res,
                                             const std::string& project) {
    const std::string logstore = req.matches[1];
    auto error = FromOutcome(store_->DeleteLogStore(project, logstore), project, logstore);
    if (!error) res.status = 200;
    return error;
  }));
  auto put_logs = [this](const httplib::Request& req, httplib::Response& res,
                         const std::string& project) {
    return PutLogs(req, res, project, req.matches[1]);
  };
  server.Post(kLogStore, Wrap(true, put_logs));
  server.Post(R"(/logstores/([^/]+)/shards/lb)", Wrap(true, put_logs));
  server.Post(R"(/logstores/([^/]+)/shards/route)", Wrap(true, put_logs));
  server.Post(R"(/logstores/([^/]+)/logs)",
              Wrap(true, [this](const httplib::Request& req, httplib::Response& res,
                                const std::string& project) {
                return GetLogsV2(req, res, project, req.matches[1]);
              }));

  // ---- Shards, cursors, PullLogs ----
  server.Get(R"(/logstores/([^/]+)/shards)",
             Wrap(true, [this](const httplib::Request& req, httplib::Response& res,
                               const std::string& project) -> std::optional<SlsError> {
               const std::string logstore = req.matches[1];
               SlsLogStoreInfo info;
               if (auto error = FromOutcome(store_->GetLogStore(project, logstore, &info),
                                            project, logstore)) {
                 return error;
               }
               SendJson(res, json::array({{{"shardID", 0},
                                           {"status", "readwrite"},
                                           {"inclusiveBeginKey", std::string(32, '0')},
                                           {"exclusiveEndKey", std::string(32, 'f')},
                                           {"createTime", info.create_time}}}));
               return std::nullopt;
             }));
  server.Get(R"(/logstores/([^/]+)/shards/([^/]+))",
             Wrap(true, [this](const httplib::Request& req, httplib::Response& res,
                               const std::string& project) {
               return CursorOrPull(req, res, project, req.matches[1], req.matches[2]);
             }));

  auto not_served = [](const httplib::Request& req, httplib::Response& res) {
    RenderError(res, 501, "NotImplemented",
                req.method + " " + req.path + " is not served by ptx-emulator");
  };
  const char* kAnyPath = R"(/.*)";
  server.Get(kAnyPath, not_served);
  server.Post(kAnyPath, not_served);
  server.Put(kAnyPath, not_served);
  server.Delete(kAnyPath, not_served);
}

std::optional<SlsError> SlsApi::PutLogs(const httplib::Request& req, httplib::Response& res,
                                        const std::string& project, const std::string& logstore) {
  const std::string content_type = req.get_header_value("Content-Type");
  if (content_type.empty()) return Error(400, "MissingContentType", "Content-Type is missing");
  if (MediaType(content_type) != kProtobufType) {
    return Error(415, "InvalidContentType",
                 "Content-Type " + content_type + " is not application/x-protobuf");
  }
  if (!req.has_header("x-log-bodyrawsize")) {
    return Error(400, "MissingBodyRawSize", "x-log-bodyrawsize header is missing");
  }
  size_t raw_size = 0;
  if (!ParseInteger(req.get_header_value("x-log-bodyrawsize"), &raw_size)) {
    return Error(400, "InvalidBodyRawSize",
                 "x-log-bodyrawsize '" + req.get_header_value("x-log-bodyrawsize") +
                     "' is not a size");
  }
  if (raw_size > options_.max_raw_body_bytes) {
    return Error(400, "PostBodyTooLarge",
                 "body of " + std::to_string(raw_size) + " bytes exceeds " +
                     std::to_string(options_.max_raw_body_bytes));
  }
  std::string compress_type = AsciiLower(req.get_header_value("x-log-compresstype"));
  compression::Codec codec = compression::Codec::kNone;
  if (compress_type == "lz4") {
    codec = compression::Codec::kLz4;
  } else if (compress_type == "zstd") {
    codec = compression::Codec::kZstd;
  } else if (compress_type == "deflate") {
    codec = compression::Codec::kDeflate;
  } else if (!compress_type.empty()) {
    return Error(400, "InvalidCompressType",
                 "x-log-compresstype '" + compress_type + "' is not lz4, zstd or deflate");
  }
  if (req.has_header("Content-MD5")) {
    std::string expected = signing::ContentMd5Hex(req.body);
    std::string sent = req.get_header_value("Content-MD5");
    if (AsciiLower(sent) != AsciiLower(expected)) {
      return Error(400, "PostBodyInvalid",
                   "Content-MD5 " + sent + " does not match the body (" + expected + ")");
    }
  }

  const int64_t now = UnixSeconds(options_.clock());
  encoding::SlsLogGroup group;
  if (auto error =
          DecodePutLogsBody(codec, raw_size, req.body, options_.max_raw_body_bytes, now, &group)) {
    return error;
  }
  const size_t logs = group.logs.size();
  store_->Append(project, logstore, std::move(group), now);
  stats_->RecordSlsPut(1, logs);
  res.status = 200;
  return std::nullopt;
}

std::optional<SlsError> DecodePutLogsBody(compression::Codec codec, size_t raw_size,
                                          std::string_view body, size_t max_raw_body_bytes,
                                          int64_t now, encoding::SlsLogGroup* out) {
  const std::string name = compression::CodecName(codec);
  std::string raw;
  if (codec == compression::Codec::kNone) {
    if (body.size() != raw_size) {
      return Error(400, "InvalidBodyRawSize",
                   "x-log-bodyrawsize " + std::to_string(raw_size) + " but the body has " +
                       std::to_string(body.size()) + " bytes");
    }
    raw = std::string(body);
  } else {
    Result<std::string> inflated =
        compression::Decompress(codec, body, max_raw_body_bytes, raw_size);
    if (!inflated.ok()) {
      return Error(400, "PostBodyUncompressError", name + " body: " + inflated.status().message());
    }
    if (inflated->size() != raw_size) {
      return Error(400, "PostBodyUncompressError",
                   name + " body inflates to " + std::to_string(inflated->size()) +
                       " bytes, x-log-bodyrawsize says " + std::to_string(raw_size));
    }
    raw = std::move(inflated).value();
  }

  Result<encoding::SlsLogGroup> group = encoding::DecodeLogGroup(raw);
  if (!group.ok()) {
    return Error(400, "PostBodyInvalid", "body is not a LogGroup: " + group.status().message());
  }
  for (const encoding::SlsLog& log : group->logs) {
    int64_t time = static_cast<int64_t>(log.time);
    if (time < now - kPastWindowS || time > now + kFutureWindowS) {
      return Error(400, "InvalidTimestamp",
                   "log time " + std::to_string(time) +
                       " is outside [now - 7 days, now + 15 minutes] (now " + std::to_string(now) +
                       ")");
    }
    for (const auto& content : log.contents) {
      if (content.key.empty()) return Error(400, "InvalidKey", "a log content has an empty key");
    }
  }
  *out = std::move(group).value();
  return std::nullopt;
}

std::optional<SlsError> SlsApi::GetLogsV1(const httplib::Request& req, httplib::Response& res,
                                          const std::string& project,
                                          const std::string& logstore) {
  auto integer = [&](const char* name, std::optional<int64_t>* out) -> bool {
    if (!req.has_param(name)) return true;
    int64_t value = 0;
    if (!ParseInteger(req.get_param_value(name), &value)) return false;
    *out = value;
    return true;
  };
  std::optional<int64_t> from, to, line, offset;
  if (!integer("from", &from) || !integer("to", &to) || !integer("line", &line) ||
      !integer("offset", &offset)) {
    return ParameterInvalid("from, to, line and offset must be integers");
  }
  LogsQuery q;
  q.topic = req.get_param_value("topic");
  q.query_text = req.get_param_value("query");
  q.reverse = AsciiLower(req.get_param_value("reverse")) == "true";
  if (auto error = CheckLogsQuery(q, from, to, line, offset)) return error;
  json rows;
  size_t matched = 0;
  if (auto error = RunLogsQuery(*store_, project, logstore, q, &rows, &matched)) return error;
  res.set_header("x-log-progress", "Complete");
  res.set_header("x-log-count", std::to_string(rows.size()));
  res.set_header("x-log-processed-rows", std::to_string(matched));
  SendJson(res, rows);
  return std::nullopt;
}

std::optional<SlsError> SlsApi::GetLogsV2(const httplib::Request& req, httplib::Response& res,
                                          const std::string& project,
                                          const std::string& logstore) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return ParameterInvalid("body must be a JSON object");
  }
  auto integer = [&](const char* name, std::optional<int64_t>* out) -> bool {
    if (!body.contains(name) || body[name].is_null()) return true;
    *out = JsonInteger(body[name]);
    return out->has_value();
  };
  std::optional<int64_t> from, to, line, offset;
  if (!integer("from", &from) || !integer("to", &to) || !integer("line", &line) ||
      !integer("offset", &offset)) {
    return ParameterInvalid("from, to, line and offset must be integers");
  }
  LogsQuery q;
  if (body.contains("topic") && body["topic"].is_string()) q.topic = body["topic"];
  if (body.contains("query") && body["query"].is_string()) q.query_text = body["query"];
  if (body.contains("reverse")) q.reverse = JsonBool(body["reverse"]).value_or(false);
  if (auto error = CheckLogsQuery(q, from, to, line, offset)) return error;
  json rows;
  size_t matched = 0;
  if (auto error = RunLogsQuery(*store_, project, logstore, q, &rows, &matched)) return error;
  std::vector<std::string> keys;
  for (const json& row : rows) {
    for (const auto& item : row.items()) keys.push_back(item.key());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  json meta = {{"progress", "Complete"},
               {"count", rows.size()},
               {"processedRows", matched},
               {"elapsedMillisecond", 0},
               {"hasSQL", false},
               {"whereQuery", q.query_text},
               {"aggQuery", ""},
               {"cpuSec", 0},
               {"cpuCores", 0},
               {"mode", 0},
               {"isAccurate", true},
               {"keys", keys}};
  res.set_header("x-log-progress", "Complete");
  res.set_header("x-log-count", std::to_string(rows.size()));
  json reply = {{"meta", std::move(meta)}, {"data", std::move(rows)}};
  return SetReplyBody(req, res, reply.dump(-1, ' ', false, json::error_handler_t::replace),
                      "application/json");
}

std::optional<SlsError> SlsApi::CursorOrPull(const httplib::Request& req, httplib::Response& res,
                                             const std::string& project,
                                             const std::string& logstore,
                                             const std::string& shard) {
  uint64_t begin = 0;
  uint64_t end = 0;
  if (auto error = FromOutcome(store_->Bounds(project, logstore, &begin, &end), project,
                               logstore)) {
    return error;
  }
  if (shard != "0") return Error(404, "ShardNotExist", "shard " + shard + " does not exist");
  const std::string type = req.get_param_value("type");
  if (type == "log" || type == "logs") return PullLogs(req, res, project, logstore);
  if (type != "cursor") {
    return ParameterInvalid("type must be cursor, log or logs, not '" + type + "'");
  }
  const std::string from = req.get_param_value("from");
  uint64_t sequence = 0;
  if (from == "begin") {
    sequence = begin;
  } else if (from == "end") {
    sequence = end;
  } else {
    int64_t unix_s = 0;
    if (!ParseInteger(from, &unix_s)) {
      return ParameterInvalid("from must be begin, end or unix seconds, not '" + from + "'");
    }
    if (auto error = FromOutcome(store_->CursorAt(project, logstore, unix_s, &sequence), project,
                                 logstore)) {
      return error;
    }
  }
  SendJson(res, {{"cursor", EncodeCursor(sequence)}});
  return std::nullopt;
}

std::optional<SlsError> SlsApi::PullLogs(const httplib::Request& req, httplib::Response& res,
                                         const std::string& project,
                                         const std::string& logstore) {
  std::optional<uint64_t> from = DecodeCursor(req.get_param_value("cursor"));
  if (!from) return Error(400, "InvalidCursor", "cursor is missing or malformed");
  std::optional<uint64_t> end;
  if (req.has_param("end_cursor")) {
    end = DecodeCursor(req.get_param_value("end_cursor"));
    if (!end) return Error(400, "InvalidCursor", "end_cursor is malformed");
  }
  size_t count = kMaxPullCount;
  if (req.has_param("count") &&
      (!ParseInteger(req.get_param_value("count"), &count) || count == 0 ||
       count > kMaxPullCount)) {
    return ParameterInvalid("count must be 1..1000");
  }
  std::vector<StoredLogGroupPtr> groups;
  uint64_t next = 0;
  if (auto error = FromOutcome(store_->Pull(project, logstore, *from, count, end, &groups, &next),
                               project, logstore)) {
    return error;
  }
  std::string raw;
  if (!groups.empty()) {
    std::vector<encoding::SlsLogGroup> list;
    list.reserve(groups.size());
    for (const StoredLogGroupPtr& stored : groups) list.push_back(stored->group);
    raw = encoding::EncodeLogGroupList(list);
  }
  res.set_header("x-log-cursor", EncodeCursor(next));
  res.set_header("x-log-count", std::to_string(groups.size()));
  return SetReplyBody(req, res, raw, kProtobufType);
}

}  // namespace ptx::emulator
