#include "options.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

namespace ptx::emulator {
namespace {

enum class FlagKind { kAddress, kString, kSize, kCredential, kPath, kFsync };

struct FlagSpec {
  const char* name;  // without the leading "--"
  const char* env;
  FlagKind kind;
  const char* help;
};

constexpr FlagSpec kFlags[] = {
    {"otlp-grpc", "PTX_EMULATOR_OTLP_GRPC", FlagKind::kAddress,
     "OTLP/gRPC listener (default 127.0.0.1:4317)"},
    {"http", "PTX_EMULATOR_HTTP", FlagKind::kAddress,
     "OTLP/HTTP, query API and health listener (default 127.0.0.1:4318)"},
    {"sls", "PTX_EMULATOR_SLS", FlagKind::kAddress, "SLS API listener (default 127.0.0.1:4319)"},
    {"bearer-token", "PTX_EMULATOR_BEARER_TOKEN", FlagKind::kString,
     "require 'Authorization: Bearer TOKEN' on OTLP requests"},
    {"max-body-bytes", "PTX_EMULATOR_MAX_BODY_BYTES", FlagKind::kSize,
     "largest OTLP payload after decompression (default 20971520)"},
    {"max-spans", "PTX_EMULATOR_MAX_SPANS", FlagKind::kSize,
     "spans kept in memory, oldest evicted first (default 100000)"},
    {"max-logs", "PTX_EMULATOR_MAX_LOGS", FlagKind::kSize,
     "OTLP log records kept in memory, oldest evicted first (default 100000)"},
    {"max-metric-points", "PTX_EMULATOR_MAX_METRIC_POINTS", FlagKind::kSize,
     "OTLP metric data points kept in memory, oldest evicted first (default 100000)"},
    {"max-sls-logs", "PTX_EMULATOR_MAX_SLS_LOGS", FlagKind::kSize,
     "SLS logs kept per logstore, oldest log groups evicted first (default 100000)"},
    {"max-span-bytes", "PTX_EMULATOR_MAX_SPAN_BYTES", FlagKind::kSize,
     "encoded span bytes kept, oldest evicted first (default 268435456)"},
    {"max-log-bytes", "PTX_EMULATOR_MAX_LOG_BYTES", FlagKind::kSize,
     "encoded OTLP log record bytes kept, oldest evicted first (default 268435456)"},
    {"max-metric-point-bytes", "PTX_EMULATOR_MAX_METRIC_POINT_BYTES", FlagKind::kSize,
     "encoded metric data point bytes kept, oldest evicted first (default 134217728)"},
    {"max-sls-log-bytes", "PTX_EMULATOR_MAX_SLS_LOG_BYTES", FlagKind::kSize,
     "SLS log bytes (keys and values) kept per logstore, oldest groups evicted first "
     "(default 67108864)"},
    {"data-dir", "PTX_EMULATOR_DATA_DIR", FlagKind::kPath,
     "persist everything stored in DIR (write-ahead log + snapshots) and reload it on start; "
     "one emulator per DIR (default: memory only)"},
    {"fsync", "PTX_EMULATOR_FSYNC", FlagKind::kFsync,
     "with --data-dir: 'always' acknowledges a write after fdatasync (concurrent writes share "
     "one), 'interval' after write() with an fdatasync every 100 ms, 'never' after write(); "
     "all three survive kill -9, only 'always' survives power loss (default always)"},
    {"wal-segment-bytes", "PTX_EMULATOR_WAL_SEGMENT_BYTES", FlagKind::kSize,
     "with --data-dir: a log segment beyond this size is compacted into a snapshot "
     "(default 67108864)"},
    {"load", "PTX_EMULATOR_LOAD", FlagKind::kPath,
     "load an OTLP JSON lines file (what GET /api/export writes) at start"},
    {"credential", "PTX_EMULATOR_CREDENTIAL", FlagKind::kCredential,
     "SLS access key, repeatable (env: comma-separated); SLS requests must be signed"},
};

// "id:secret" with both parts non-empty.
Status AddCredential(std::string_view text, EmulatorOptions& options) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return InvalidArgumentError("--credential: expected AK_ID:AK_SECRET, got '" +
                                std::string(text) + "'");
  }
  options.credentials.emplace_back(std::string(text.substr(0, colon)),
                                   std::string(text.substr(colon + 1)));
  return Status::Ok();
}

std::optional<size_t> ParseSize(std::string_view text) {
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

Status Apply(const FlagSpec& spec, std::string_view value, EmulatorOptions& options) {
  std::string name = std::string("--") + spec.name;
  switch (spec.kind) {
    case FlagKind::kAddress: {
      auto parsed = ParseHostPort(value);
      if (!parsed.ok()) return InvalidArgumentError(name + ": " + parsed.status().message());
      break;
    }
    case FlagKind::kSize: {
      auto size = ParseSize(value);
      if (!size || *size == 0) {
        return InvalidArgumentError(name + ": expected a positive integer, got '" +
                                    std::string(value) + "'");
      }
      if (spec.name == std::string_view("max-body-bytes")) options.max_body_bytes = *size;
      if (spec.name == std::string_view("max-spans")) options.max_spans = *size;
      if (spec.name == std::string_view("max-logs")) options.max_logs = *size;
      if (spec.name == std::string_view("max-metric-points")) options.max_metric_points = *size;
      if (spec.name == std::string_view("max-sls-logs")) options.max_sls_logs = *size;
      if (spec.name == std::string_view("max-span-bytes")) options.max_span_bytes = *size;
      if (spec.name == std::string_view("max-log-bytes")) options.max_log_bytes = *size;
      if (spec.name == std::string_view("max-metric-point-bytes")) {
        options.max_metric_point_bytes = *size;
      }
      if (spec.name == std::string_view("max-sls-log-bytes")) options.max_sls_log_bytes = *size;
      if (spec.name == std::string_view("wal-segment-bytes")) options.wal_segment_bytes = *size;
      return Status::Ok();
    }
    case FlagKind::kCredential:
      return AddCredential(value, options);
    case FlagKind::kPath:
      if (value.empty()) return InvalidArgumentError(name + ": expected a path");
      if (spec.name == std::string_view("data-dir")) options.data_dir = std::string(value);
      if (spec.name == std::string_view("load")) options.load_file = std::string(value);
      return Status::Ok();
    case FlagKind::kFsync:
      if (value != "always" && value != "interval" && value != "never") {
        return InvalidArgumentError(name + ": expected always, interval or never, got '" +
                                    std::string(value) + "'");
      }
      options.fsync = std::string(value);
      return Status::Ok();
    case FlagKind::kString:
      break;
  }
  std::string text(value);
  std::string_view flag(spec.name);
  if (flag == "otlp-grpc") options.otlp_grpc_address = text;
  if (flag == "http") options.http_address = text;
  if (flag == "sls") options.sls_address = text;
  if (flag == "bearer-token") options.bearer_token = text;
  return Status::Ok();
}

const FlagSpec* FindFlag(std::string_view name) {
  for (const FlagSpec& spec : kFlags) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

}  // namespace

FlagParse ParseFlags(int argc, const char* const* argv, const GetEnv& getenv) {
  FlagParse result;
  for (const FlagSpec& spec : kFlags) {
    const char* value = getenv ? getenv(spec.env) : nullptr;
    if (value == nullptr) continue;
    Status status;
    if (spec.kind == FlagKind::kCredential) {
      // A list in one variable: "id1:secret1,id2:secret2".
      std::string_view list(value);
      while (status.ok() && !list.empty()) {
        size_t comma = list.find(',');
        status = AddCredential(list.substr(0, comma), result.options);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    } else {
      status = Apply(spec, value, result.options);
    }
    if (!status.ok()) {
      result.status = InvalidArgumentError(std::string(spec.env) + " (" + status.message() + ")");
      return result;
    }
  }
  bool credentials_from_flags = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg == "--help" || arg == "-h") {
      result.help = true;
      return result;
    }
    if (arg.substr(0, 2) != "--") {
      result.status = InvalidArgumentError("unexpected argument '" + std::string(arg) + "'");
      return result;
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* spec = FindFlag(name);
    if (spec == nullptr) {
      result.status = InvalidArgumentError("unknown flag '--" + std::string(name) + "'");
      return result;
    }
    if (!value) {
      if (i + 1 >= argc) {
        result.status = InvalidArgumentError("--" + std::string(name) + " needs a value");
        return result;
      }
      value = argv[++i];
    }
    if (spec->kind == FlagKind::kCredential && !credentials_from_flags) {
      // Repeated flags add up; together they replace what the environment gave.
      result.options.credentials.clear();
      credentials_from_flags = true;
    }
    result.status = Apply(*spec, *value, result.options);
    if (!result.status.ok()) return result;
  }
  return result;
}

std::string Usage() {
  std::string out =
      "usage: ptx-emulator [flags]\n"
      "A local OTLP collector and SLS stand-in that keeps what it receives and serves it back.\n"
      "\n";
  for (const FlagSpec& spec : kFlags) {
    const char* metavar = spec.kind == FlagKind::kAddress      ? " ADDR"
                          : spec.kind == FlagKind::kSize       ? " N"
                          : spec.kind == FlagKind::kCredential ? " AK_ID:AK_SECRET"
                          : spec.kind == FlagKind::kPath       ? " PATH"
                          : spec.kind == FlagKind::kFsync      ? " POLICY"
                                                               : " TOKEN";
    std::string left = std::string("  --") + spec.name + metavar;
    left.resize(std::max<size_t>(left.size() + 1, 28), ' ');
    out += left + spec.help + "\n";
    out += std::string(28, ' ') + "env " + spec.env + "\n";
  }
  out += "  --help                    print this and exit\n";
  return out;
}

Result<HostPort> ParseHostPort(std::string_view address) {
  HostPort out;
  std::string_view port_text;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return InvalidArgumentError("expected [ipv6]:port, got '" + std::string(address) + "'");
    }
    out.host = std::string(address.substr(1, close - 1));
    port_text = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos || address.find(':') != colon) {
      return InvalidArgumentError("expected host:port, got '" + std::string(address) + "'");
    }
    out.host = std::string(address.substr(0, colon));
    port_text = address.substr(colon + 1);
  }
  if (out.host.empty()) {
    return InvalidArgumentError("missing host in '" + std::string(address) + "'");
  }
  auto port = ParseSize(port_text);
  if (!port || *port > 65535) {
    return InvalidArgumentError("bad port in '" + std::string(address) + "'");
  }
  out.port = static_cast<int>(*port);
  return out;
}

std::string FormatHostPort(std::string_view host, int port) {
  bool v6 = host.find(':') != std::string_view::npos;
  std::string out = v6 ? "[" + std::string(host) + "]" : std::string(host);
  return out + ":" + std::to_string(port);
}

}  // namespace ptx::emulator
