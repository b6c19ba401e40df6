#include "config.h"

#include <pybind11/stl.h>

#include <cerrno>
#include <cstdlib>
#include <set>
#include <sstream>

#include "diagnostics.h"
#include "ptx/base/text.h"
#include "ptx/compression/codec.h"

namespace ptx::py {
namespace {

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

// First set variable of `names`, in order (per-signal before generic).
const char* FirstEnv(std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (const char* v = Env(n)) return v;
  }
  return nullptr;
}

// The first valid variable of `names`; values below `min` or unparsable are reported once and
// ignored, as OpenTelemetry does for environment defaults (they never make construction fail).
std::optional<int64_t> EnvInt(std::initializer_list<const char*> names, int64_t min = 1) {
  for (const char* n : names) {
    const char* v = Env(n);
    if (!v) continue;
    char* end = nullptr;
    errno = 0;
    long long parsed = std::strtoll(v, &end, 10);
    if (end && *end == '\0' && errno == 0 && parsed >= min) return parsed;
    WarnOnce(std::string("ignoring invalid ") + n + "='" + v + "'");
  }
  return std::nullopt;
}

// "k=v,k2=v2" (OTEL_EXPORTER_OTLP_HEADERS), percent-decoded; malformed members skipped.
HeaderList ParseHeaderEnv(const char* text) {
  HeaderList out;
  std::stringstream ss(text);
  std::string member;
  while (std::getline(ss, member, ',')) {
    size_t eq = member.find('=');
    if (eq == std::string::npos) continue;
    std::string key(TrimSpaces(PercentDecode(member.substr(0, eq))));
    if (key.empty()) continue;
    out.emplace_back(Lower(key), std::string(TrimSpaces(PercentDecode(member.substr(eq + 1)))));
  }
  return out;
}

const std::set<std::string>& KnownSamplers() {
  static const std::set<std::string> names = {
      "always_on", "always_off", "traceidratio", "parentbased_always_on",
      "parentbased_always_off", "parentbased_traceidratio", "parent_based_traceid_ratio"};
  return names;
}

std::string NormalizeProtocol(const std::string& given) {
  std::string p = Lower(given);
  if (p == "grpc") return "grpc";
  if (p == "http/protobuf" || p == "http") return "http/protobuf";
  return "";
}

std::string NormalizeCompression(const std::string& given) {
  std::string c = Lower(given);
  if (c == "gzip" || c == "zstd" || c == "none") return c;
  return "";
}

// Timeouts are added to clock readings and queues are allocated up front: both have a ceiling.
constexpr int64_t kMaxMillis = 365LL * 24 * 3600 * 1000;  // a year
constexpr int64_t kMaxQueue = 1 << 24;

int64_t Positive(std::optional<int64_t> explicit_value, std::optional<int64_t> env_value,
                 int64_t fallback, const char* what, int64_t max = kMaxMillis) {
  int64_t v = explicit_value ? *explicit_value : env_value ? *env_value : fallback;
  if (v <= 0) throw pyb::value_error(std::string(what) + " must be positive");
  if (v > max) throw pyb::value_error(std::string(what) + " must be at most " + std::to_string(max));
  return v;
}

std::string QuotePy(const std::string& s) {
  return pyb::repr(pyb::str(s)).cast<std::string>();
}

std::string HeadersRepr(const HeaderList& headers) {
  std::string out = "{";
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i) out += ", ";
    out += QuotePy(headers[i].first) + ": " +
           (IsSecretName(headers[i].first) ? QuotePy("***") : QuotePy(headers[i].second));
  }
  return out + "}";
}

pyb::dict HeadersDict(const HeaderList& headers) {
  pyb::dict d;
  for (const auto& [k, v] : headers) d[pyb::str(k)] = IsSecretName(k) ? "***" : v;
  return d;
}

std::shared_ptr<const RawOtlpConfig> MakeRawOtlp(pyb::object compression, pyb::object ca_file) {
  auto cfg = std::make_shared<RawOtlpConfig>();
  if (auto f = OptionalStr(ca_file, "ca_file")) {
    if (f->empty()) throw pyb::value_error("ca_file must not be empty");
    cfg->ca_file = *f;
  }
  if (auto c = OptionalStr(compression, "compression")) {
    std::string normalized = NormalizeCompression(*c);
    if (normalized.empty()) throw pyb::value_error("unknown compression '" + *c + "'");
    cfg->compression = normalized;
  }
  return cfg;
}

// The OTLP options of a sink of `signal` ("TRACES", "METRICS", "LOGS"; `path` its HTTP path):
// explicit arguments, then OTEL_EXPORTER_OTLP_<SIGNAL>_*, then OTEL_EXPORTER_OTLP_*, then the
// defaults. Ends by checking everything the exporter would refuse.
void ResolveOtlpOptions(OtlpSinkOptions* cfg, const std::string& signal, const char* path,
                        pyb::object endpoint, pyb::object protocol, pyb::object headers,
                        pyb::object timeout_ms, pyb::object raw_otlp) {
  auto env = [&signal](const char* suffix) {
    return FirstEnv({("OTEL_EXPORTER_OTLP_" + signal + "_" + suffix).c_str(),
                     (std::string("OTEL_EXPORTER_OTLP_") + suffix).c_str()});
  };
  auto env_int = [&signal](const char* suffix) {
    return EnvInt({("OTEL_EXPORTER_OTLP_" + signal + "_" + suffix).c_str(),
                   (std::string("OTEL_EXPORTER_OTLP_") + suffix).c_str()});
  };

  // Protocol first: it decides how an endpoint from the environment is completed.
  if (auto p = OptionalStr(protocol, "protocol")) {
    cfg->protocol = NormalizeProtocol(*p);
    if (cfg->protocol.empty()) throw pyb::value_error("unknown protocol '" + *p + "'");
  } else if (const char* value = env("PROTOCOL")) {
    cfg->protocol = NormalizeProtocol(value);
    if (cfg->protocol.empty()) {
      WarnOnce(std::string("unsupported OTEL_EXPORTER_OTLP_PROTOCOL '") + value + "', using grpc");
      cfg->protocol = "grpc";
    }
  } else {
    cfg->protocol = "grpc";
  }

  if (auto e = OptionalStr(endpoint, "endpoint")) {
    cfg->endpoint = *e;
  } else if (const char* value = Env(("OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT").c_str())) {
    cfg->endpoint = value;
  } else if (const char* base = Env("OTEL_EXPORTER_OTLP_ENDPOINT")) {
    cfg->endpoint = base;
    if (cfg->protocol == "http/protobuf") {
      while (!cfg->endpoint.empty() && cfg->endpoint.back() == '/') cfg->endpoint.pop_back();
      cfg->endpoint += path;
    }
  }
  if (TrimSpaces(cfg->endpoint).empty()) throw pyb::value_error("endpoint must not be empty");

  if (!headers.is_none()) {
    cfg->headers = ToHeaders(headers, "headers");
  } else if (const char* value = env("HEADERS")) {
    cfg->headers = ParseHeaderEnv(value);
  }

  cfg->timeout_ms = Positive(OptionalInt(timeout_ms, "timeout_ms"), env_int("TIMEOUT"), 10000, "timeout_ms");

  if (!raw_otlp.is_none()) {
    if (!pyb::isinstance<RawOtlpConfig>(raw_otlp)) {
      throw pyb::type_error("raw_otlp must be a RawOtlp, got " +
                            std::string(Py_TYPE(raw_otlp.ptr())->tp_name));
    }
    cfg->raw_otlp = raw_otlp.cast<std::shared_ptr<const RawOtlpConfig>>();
  }
  if (cfg->raw_otlp && cfg->raw_otlp->compression) {
    cfg->compression = *cfg->raw_otlp->compression;
  } else if (const char* value = env("COMPRESSION")) {
    std::string c = NormalizeCompression(value);
    if (c.empty()) {
      WarnOnce(std::string("unknown OTEL_EXPORTER_OTLP_COMPRESSION '") + value + "', using none");
    } else {
      cfg->compression = c;
    }
  }
  if (cfg->raw_otlp && cfg->raw_otlp->ca_file) {
    cfg->ca_file = *cfg->raw_otlp->ca_file;
  } else if (const char* value = env("CERTIFICATE")) {
    cfg->ca_file = value;
  }
  if (cfg->compression == "zstd" && cfg->protocol == "grpc") {
    throw pyb::value_error("zstd compression needs protocol 'http/protobuf'");
  }
  // Whatever the exporter would refuse at init fails here, naming the value.
  Status valid = ValidateExporterOptions(ExporterOptions(*cfg));
  if (!valid.ok()) throw pyb::value_error(valid.message());
}

std::shared_ptr<const TraceSinkConfig> MakeTraceSink(
    pyb::object endpoint, pyb::object protocol, pyb::object headers, pyb::object timeout_ms,
    pyb::object sampler, pyb::object sampler_arg, pyb::object batch_max_queue,
    pyb::object batch_max_export, pyb::object batch_schedule_delay_ms,
    pyb::object max_export_timeout_ms, pyb::object max_attributes_per_span,
    pyb::object max_events_per_span, pyb::object max_links_per_span,
    pyb::object max_attributes_per_event, pyb::object max_attributes_per_link,
    pyb::object max_attribute_value_length, pyb::object raw_otlp) {
  auto cfg = std::make_shared<TraceSinkConfig>();
  ResolveOtlpOptions(cfg.get(), "TRACES", "/v1/traces", endpoint, protocol, headers, timeout_ms, raw_otlp);

  if (auto s = OptionalStr(sampler, "sampler")) {
    cfg->sampler = Lower(*s);
    if (!KnownSamplers().count(cfg->sampler)) throw pyb::value_error("unknown sampler '" + *s + "'");
  } else if (const char* env = Env("OTEL_TRACES_SAMPLER")) {
    std::string name = Lower(env);
    if (KnownSamplers().count(name)) {
      cfg->sampler = name;
    } else {
      WarnOnce(std::string("unknown OTEL_TRACES_SAMPLER '") + env + "', using parentbased_always_on");
    }
  }
  if (auto a = OptionalFloat(sampler_arg, "sampler_arg")) {
    cfg->sampler_arg = *a;
    cfg->sampler_arg_given = true;
  } else if (const char* env = Env("OTEL_TRACES_SAMPLER_ARG")) {
    char* end = nullptr;
    double v = std::strtod(env, &end);
    if (end && *end == '\0' && v >= 0 && v <= 1) {
      cfg->sampler_arg = v;
      cfg->sampler_arg_given = true;
    } else {
      WarnOnce(std::string("ignoring invalid OTEL_TRACES_SAMPLER_ARG '") + env + "'");
    }
  }
  if (!(cfg->sampler_arg >= 0.0 && cfg->sampler_arg <= 1.0)) {
    throw pyb::value_error("sampler_arg must be between 0 and 1");
  }

  cfg->batch_max_queue = Positive(OptionalInt(batch_max_queue, "batch_max_queue"),
                                  EnvInt({"OTEL_BSP_MAX_QUEUE_SIZE"}), 2048, "batch_max_queue", kMaxQueue);
  cfg->batch_max_export = Positive(OptionalInt(batch_max_export, "batch_max_export"),
                                   EnvInt({"OTEL_BSP_MAX_EXPORT_BATCH_SIZE"}), 512, "batch_max_export", kMaxQueue);
  if (cfg->batch_max_export > cfg->batch_max_queue) {
    if (!batch_max_export.is_none()) {
      throw pyb::value_error("batch_max_export must not exceed batch_max_queue");
    }
    cfg->batch_max_export = cfg->batch_max_queue;
  }
  cfg->batch_schedule_delay_ms =
      Positive(OptionalInt(batch_schedule_delay_ms, "batch_schedule_delay_ms"),
               EnvInt({"OTEL_BSP_SCHEDULE_DELAY"}), 5000, "batch_schedule_delay_ms");
  cfg->max_export_timeout_ms =
      Positive(OptionalInt(max_export_timeout_ms, "max_export_timeout_ms"),
               EnvInt({"OTEL_BSP_EXPORT_TIMEOUT"}), 30000, "max_export_timeout_ms");

  auto limit = [](pyb::object value, const char* what,
                  std::initializer_list<const char*> env) -> int64_t {
    auto v = OptionalInt(value, what);
    if (!v) v = EnvInt(env, /*min=*/0);
    if (!v) return 128;
    if (*v < 0) throw pyb::value_error(std::string(what) + " must not be negative");
    return *v;
  };
  cfg->max_attributes_per_span = limit(max_attributes_per_span, "max_attributes_per_span",
                                       {"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"});
  cfg->max_events_per_span = limit(max_events_per_span, "max_events_per_span",
                                   {"OTEL_SPAN_EVENT_COUNT_LIMIT"});
  cfg->max_links_per_span = limit(max_links_per_span, "max_links_per_span",
                                  {"OTEL_SPAN_LINK_COUNT_LIMIT"});
  cfg->max_attributes_per_event = limit(max_attributes_per_event, "max_attributes_per_event",
                                        {"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"});
  cfg->max_attributes_per_link = limit(max_attributes_per_link, "max_attributes_per_link",
                                       {"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"});
  if (auto v = OptionalInt(max_attribute_value_length, "max_attribute_value_length")) {
    if (*v <= 0) throw pyb::value_error("max_attribute_value_length must be positive");
    cfg->max_attribute_value_length = v;
  } else {
    cfg->max_attribute_value_length =
        EnvInt({"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"});
  }

  return cfg;
}

std::shared_ptr<const MetricSinkConfig> MakeMetricSink(pyb::object endpoint, pyb::object protocol,
                                                       pyb::object headers, pyb::object timeout_ms,
                                                       pyb::object export_interval_ms,
                                                       pyb::object export_timeout_ms,
                                                       pyb::object temporality, pyb::object raw_otlp) {
  auto cfg = std::make_shared<MetricSinkConfig>();
  ResolveOtlpOptions(cfg.get(), "METRICS", "/v1/metrics", endpoint, protocol, headers, timeout_ms,
                     raw_otlp);
  cfg->export_interval_ms = Positive(OptionalInt(export_interval_ms, "export_interval_ms"),
                                     EnvInt({"OTEL_METRIC_EXPORT_INTERVAL"}), 60000, "export_interval_ms");
  cfg->export_timeout_ms = Positive(OptionalInt(export_timeout_ms, "export_timeout_ms"),
                                    EnvInt({"OTEL_METRIC_EXPORT_TIMEOUT"}), 30000, "export_timeout_ms");
  static const std::set<std::string> temporalities = {"cumulative", "delta", "lowmemory"};
  if (auto t = OptionalStr(temporality, "temporality")) {
    cfg->temporality = Lower(*t);
    if (!temporalities.count(cfg->temporality)) throw pyb::value_error("unknown temporality '" + *t + "'");
  } else if (const char* env = Env("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE")) {
    std::string t = Lower(env);
    if (temporalities.count(t)) {
      cfg->temporality = t;
    } else {
      WarnOnce(std::string("unknown OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE '") + env +
               "', using cumulative");
    }
  }
  return cfg;
}

std::string MetricSinkRepr(const MetricSinkConfig& s) {
  std::string out = "MetricSink(endpoint=" + QuotePy(s.endpoint) + ", protocol=" + QuotePy(s.protocol) +
                    ", temporality=" + QuotePy(s.temporality) +
                    ", export_interval_ms=" + std::to_string(s.export_interval_ms);
  if (!s.headers.empty()) out += ", headers=" + HeadersRepr(s.headers);
  if (s.compression != "none") out += ", compression=" + QuotePy(s.compression);
  return out + ")";
}

void DescribeOtlp(const OtlpSinkOptions& s, pyb::dict& d) {
  d["endpoint"] = s.endpoint;
  d["protocol"] = s.protocol;
  d["headers"] = HeadersDict(s.headers);
  d["timeout_ms"] = s.timeout_ms;
  d["compression"] = s.compression;
  d["ca_file"] = s.ca_file.empty() ? pyb::object(pyb::none()) : pyb::object(pyb::str(s.ca_file));
}

pyb::dict MetricSinkDescribe(const MetricSinkConfig& s) {
  pyb::dict d;
  d["kind"] = "metrics";
  DescribeOtlp(s, d);
  d["export_interval_ms"] = s.export_interval_ms;
  d["export_timeout_ms"] = s.export_timeout_ms;
  d["temporality"] = s.temporality;
  return d;
}

std::shared_ptr<const OtlpLogSinkConfig> MakeOtlpLogSink(
    pyb::object endpoint, pyb::object protocol, pyb::object headers, pyb::object timeout_ms,
    pyb::object batch_max_queue, pyb::object batch_max_export, pyb::object batch_schedule_delay_ms,
    pyb::object max_export_timeout_ms, pyb::object raw_otlp) {
  auto cfg = std::make_shared<OtlpLogSinkConfig>();
  ResolveOtlpOptions(cfg.get(), "LOGS", "/v1/logs", endpoint, protocol, headers, timeout_ms, raw_otlp);
  cfg->batch_max_queue = Positive(OptionalInt(batch_max_queue, "batch_max_queue"),
                                  EnvInt({"OTEL_BLRP_MAX_QUEUE_SIZE"}), 2048, "batch_max_queue", kMaxQueue);
  cfg->batch_max_export = Positive(OptionalInt(batch_max_export, "batch_max_export"),
                                   EnvInt({"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"}), 512, "batch_max_export", kMaxQueue);
  if (cfg->batch_max_export > cfg->batch_max_queue) {
    if (!batch_max_export.is_none()) throw pyb::value_error("batch_max_export must not exceed batch_max_queue");
    cfg->batch_max_export = cfg->batch_max_queue;
  }
  cfg->batch_schedule_delay_ms = Positive(OptionalInt(batch_schedule_delay_ms, "batch_schedule_delay_ms"),
                                          EnvInt({"OTEL_BLRP_SCHEDULE_DELAY"}), 1000, "batch_schedule_delay_ms");
  cfg->max_export_timeout_ms = Positive(OptionalInt(max_export_timeout_ms, "max_export_timeout_ms"),
                                        EnvInt({"OTEL_BLRP_EXPORT_TIMEOUT"}), 30000, "max_export_timeout_ms");
  return cfg;
}

pyb::dict OtlpLogSinkDescribe(const OtlpLogSinkConfig& s) {
  pyb::dict d;
  d["kind"] = "otlp_logs";
  DescribeOtlp(s, d);
  d["batch_max_queue"] = s.batch_max_queue;
  d["batch_max_export"] = s.batch_max_export;
  d["batch_schedule_delay_ms"] = s.batch_schedule_delay_ms;
  d["max_export_timeout_ms"] = s.max_export_timeout_ms;
  return d;
}

std::string OtlpLogSinkRepr(const OtlpLogSinkConfig& s) {
  std::string out = "OtlpLogSink(endpoint=" + QuotePy(s.endpoint) + ", protocol=" + QuotePy(s.protocol);
  if (!s.headers.empty()) out += ", headers=" + HeadersRepr(s.headers);
  if (s.compression != "none") out += ", compression=" + QuotePy(s.compression);
  return out + ")";
}

std::shared_ptr<const SlsLogSinkConfig> MakeSlsLogSink(
    pyb::object endpoint, pyb::object project, pyb::object logstore, pyb::object ak_id,
    pyb::object ak_secret, pyb::object topic, pyb::object source, pyb::object security_token,
    pyb::object compression, pyb::object signature_version, pyb::object region,
    pyb::object batch_max_queue, pyb::object batch_max_bytes, pyb::object batch_linger_ms) {
  auto cfg = std::make_shared<SlsLogSinkConfig>();
  auto required = [](pyb::object value, const char* what) {
    auto v = OptionalStr(value, what);
    if (!v || TrimSpaces(*v).empty()) throw pyb::value_error(std::string(what) + " must not be empty");
    return *v;
  };
  cfg->endpoint = required(endpoint, "endpoint");
  cfg->project = required(project, "project");
  cfg->logstore = required(logstore, "logstore");
  cfg->ak_id = required(ak_id, "ak_id");
  cfg->ak_secret = required(ak_secret, "ak_secret");
  cfg->topic = OptionalStr(topic, "topic").value_or("");
  cfg->source = OptionalStr(source, "source").value_or("");
  cfg->security_token = OptionalStr(security_token, "security_token").value_or("");
  if (auto c = OptionalStr(compression, "compression")) {
    cfg->compression = Lower(*c);
    if (cfg->compression != "lz4" && cfg->compression != "zstd" && cfg->compression != "none") {
      throw pyb::value_error("unknown compression '" + *c + "'");
    }
  }
  if (auto v = OptionalStr(signature_version, "signature_version")) {
    cfg->signature_version = Lower(*v);
    if (cfg->signature_version != "v1" && cfg->signature_version != "v4") {
      throw pyb::value_error("unknown signature_version '" + *v + "'");
    }
  }
  cfg->region = OptionalStr(region, "region").value_or("");
  if (cfg->signature_version == "v4" && cfg->region.empty()) {
    throw pyb::value_error("signature_version 'v4' needs a region");
  }
  cfg->batch_max_queue = Positive(OptionalInt(batch_max_queue, "batch_max_queue"), std::nullopt, 4096,
                                  "batch_max_queue", kMaxQueue);
  cfg->batch_max_bytes = Positive(OptionalInt(batch_max_bytes, "batch_max_bytes"), std::nullopt,
                                  3 * 1024 * 1024, "batch_max_bytes", 10 * 1024 * 1024);
  cfg->batch_linger_ms = Positive(OptionalInt(batch_linger_ms, "batch_linger_ms"), std::nullopt, 2000,
                                  "batch_linger_ms");
  Status valid = ValidateSlsLogExporterOptions(SlsExporterOptions(*cfg));
  if (!valid.ok()) throw pyb::value_error(valid.message());
  return cfg;
}

pyb::dict SlsLogSinkDescribe(const SlsLogSinkConfig& s) {
  pyb::dict d;
  d["kind"] = "sls_logs";
  d["endpoint"] = s.endpoint;
  d["project"] = s.project;
  d["logstore"] = s.logstore;
  d["ak_id"] = s.ak_id;
  d["ak_secret"] = "***";
  d["security_token"] = s.security_token.empty() ? pyb::object(pyb::none()) : pyb::object(pyb::str("***"));
  d["topic"] = s.topic;
  d["source"] = s.source;
  d["compression"] = s.compression;
  d["signature_version"] = s.signature_version;
  d["region"] = s.region.empty() ? pyb::object(pyb::none()) : pyb::object(pyb::str(s.region));
  d["batch_max_queue"] = s.batch_max_queue;
  d["batch_max_bytes"] = s.batch_max_bytes;
  d["batch_linger_ms"] = s.batch_linger_ms;
  return d;
}

std::string SlsLogSinkRepr(const SlsLogSinkConfig& s) {
  std::string out = "SlsLogSink(endpoint=" + QuotePy(s.endpoint) + ", project=" + QuotePy(s.project) +
                    ", logstore=" + QuotePy(s.logstore) + ", ak_id=" + QuotePy(s.ak_id) +
                    ", ak_secret='***'";
  if (!s.security_token.empty()) out += ", security_token='***'";
  out += ", compression=" + QuotePy(s.compression) + ", signature_version=" + QuotePy(s.signature_version);
  if (!s.region.empty()) out += ", region=" + QuotePy(s.region);
  return out + ")";
}

std::string TraceSinkRepr(const TraceSinkConfig& s) {
  std::string out = "TraceSink(endpoint=" + QuotePy(s.endpoint) + ", protocol=" + QuotePy(s.protocol) +
                    ", sampler=" + QuotePy(s.sampler);
  if (s.sampler_arg_given) {
    out += ", sampler_arg=" + pyb::repr(pyb::float_(s.sampler_arg)).cast<std::string>();
  }
  if (!s.headers.empty()) out += ", headers=" + HeadersRepr(s.headers);
  if (s.compression != "none") out += ", compression=" + QuotePy(s.compression);
  return out + ")";
}

pyb::dict TraceSinkDescribe(const TraceSinkConfig& s) {
  pyb::dict d;
  d["kind"] = "traces";
  DescribeOtlp(s, d);
  d["sampler"] = s.sampler;
  d["sampler_arg"] = s.sampler_arg;
  d["batch_max_queue"] = s.batch_max_queue;
  d["batch_max_export"] = s.batch_max_export;
  d["batch_schedule_delay_ms"] = s.batch_schedule_delay_ms;
  d["max_export_timeout_ms"] = s.max_export_timeout_ms;
  return d;
}

std::shared_ptr<const Config> MakeConfig(pyb::object service_name, pyb::object resource_attributes,
                                         bool console_output, const std::string& console_format,
                                         const std::string& console_level, pyb::object sinks) {
  auto cfg = std::make_shared<Config>();
  if (auto s = OptionalStr(service_name, "service_name")) {
    if (TrimSpaces(*s).empty()) throw pyb::value_error("service_name must not be empty");
    cfg->service_name = *s;
    cfg->service_name_explicit = true;
  } else if (const char* env = Env("OTEL_SERVICE_NAME")) {
    cfg->service_name = env;
  }
  AppendAttributes(resource_attributes, "resource_attributes", cfg->resource_attributes);
  cfg->console_output = console_output;
  cfg->console_format = Lower(console_format);
  if (cfg->console_format != "compact" && cfg->console_format != "pretty" &&
      cfg->console_format != "json") {
    throw pyb::value_error("unknown console_format '" + console_format + "'");
  }
  cfg->console_level = Lower(console_level);
  if (cfg->console_level == "warning") cfg->console_level = "warn";
  static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error", "off"};
  if (!levels.count(cfg->console_level)) {
    throw pyb::value_error("unknown console_level '" + console_level + "'");
  }
  if (!sinks.is_none()) {
    if (PyUnicode_Check(sinks.ptr()) || !PySequence_Check(sinks.ptr())) {
      throw pyb::type_error("sinks must be a list of sink objects");
    }
    for (auto item : pyb::reinterpret_borrow<pyb::sequence>(sinks)) {
      if (pyb::isinstance<TraceSinkConfig>(item)) {
        cfg->trace_sinks.push_back(item.cast<std::shared_ptr<const TraceSinkConfig>>());
      } else if (pyb::isinstance<MetricSinkConfig>(item)) {
        cfg->metric_sinks.push_back(item.cast<std::shared_ptr<const MetricSinkConfig>>());
      } else if (pyb::isinstance<OtlpLogSinkConfig>(item)) {
        cfg->otlp_log_sinks.push_back(item.cast<std::shared_ptr<const OtlpLogSinkConfig>>());
      } else if (pyb::isinstance<SlsLogSinkConfig>(item)) {
        cfg->sls_log_sinks.push_back(item.cast<std::shared_ptr<const SlsLogSinkConfig>>());
      } else {
        throw pyb::type_error("sinks must contain TraceSink, MetricSink, OtlpLogSink or SlsLogSink objects, got " +
                              std::string(Py_TYPE(item.ptr())->tp_name));
      }
    }
  }
  return cfg;
}

std::string ServiceNameForDisplay(const Config& c) {
  return c.service_name.empty() ? std::string("unknown_service") : c.service_name;
}

}  // namespace

OtlpExporterOptions ExporterOptions(const OtlpSinkOptions& sink) {
  OtlpExporterOptions o;
  o.endpoint = sink.endpoint;
  o.protocol = sink.protocol == "grpc" ? OtlpExporterOptions::Protocol::kGrpc
                                       : OtlpExporterOptions::Protocol::kHttpProtobuf;
  o.headers = sink.headers;
  o.compression = *compression::ParseCodec(sink.compression);  // validated by TraceSink
  o.timeout = std::chrono::milliseconds(sink.timeout_ms);
  o.ca_file = sink.ca_file;
  return o;
}

SlsLogExporterOptions SlsExporterOptions(const SlsLogSinkConfig& sink) {
  SlsLogExporterOptions o;
  o.endpoint = sink.endpoint;
  o.project = sink.project;
  o.logstore = sink.logstore;
  o.access_key_id = sink.ak_id;
  o.access_key_secret = sink.ak_secret;
  o.security_token = sink.security_token;
  o.topic = sink.topic;
  o.source = sink.source;
  o.compression = *compression::ParseCodec(sink.compression);  // validated by SlsLogSink
  o.signature_version = sink.signature_version == "v4" ? SlsLogExporterOptions::SignatureVersion::kV4
                                                       : SlsLogExporterOptions::SignatureVersion::kV1;
  o.region = sink.region;
  o.max_request_bytes = static_cast<size_t>(sink.batch_max_bytes);
  return o;
}

bool IsSecretName(const std::string& name) {
  std::string n = Lower(name);
  return n == "authorization" || n == "proxy-authorization" || n.find("secret") != std::string::npos ||
         n.find("token") != std::string::npos || n.find("password") != std::string::npos ||
         n.find("api-key") != std::string::npos || n.find("apikey") != std::string::npos;
}

void RegisterConfig(pyb::module_& m) {
  using namespace pybind11::literals;

  pyb::class_<RawOtlpConfig, std::shared_ptr<RawOtlpConfig>>(
      m, "RawOtlp",
      "Low-level OTLP knobs: compression ('gzip', 'zstd' or 'none') and ca_file (PEM roots for TLS).")
      .def(pyb::init([](pyb::object compression, pyb::object ca_file) {
             return std::const_pointer_cast<RawOtlpConfig>(MakeRawOtlp(compression, ca_file));
           }),
           "compression"_a = pyb::none(), "ca_file"_a = pyb::none())
      .def_property_readonly("compression",
                             [](const RawOtlpConfig& c) -> pyb::object {
                               return c.compression ? pyb::object(pyb::str(*c.compression)) : pyb::none();
                             })
      .def_property_readonly("ca_file",
                             [](const RawOtlpConfig& c) -> pyb::object {
                               return c.ca_file ? pyb::object(pyb::str(*c.ca_file)) : pyb::none();
                             })
      .def("__repr__", [](const RawOtlpConfig& c) {
        std::string args;
        if (c.compression) args += "compression=" + QuotePy(*c.compression);
        if (c.ca_file) args += std::string(args.empty() ? "" : ", ") + "ca_file=" + QuotePy(*c.ca_file);
        return "RawOtlp(" + args + ")";
      });

  pyb::class_<TraceSinkConfig, std::shared_ptr<TraceSinkConfig>>(
      m, "TraceSink", "Exports spans over OTLP (gRPC or HTTP/protobuf) through a batch processor.")
      .def(pyb::init([](pyb::object endpoint, pyb::object protocol, pyb::object headers,
                        pyb::object timeout_ms, pyb::object sampler, pyb::object sampler_arg,
                        pyb::object batch_max_queue, pyb::object batch_max_export,
                        pyb::object batch_schedule_delay_ms, pyb::object max_export_timeout_ms,
                        pyb::object max_attributes_per_span, pyb::object max_events_per_span,
                        pyb::object max_links_per_span, pyb::object max_attributes_per_event,
                        pyb::object max_attributes_per_link, pyb::object max_attribute_value_length,
                        pyb::object raw_otlp) {
             return std::const_pointer_cast<TraceSinkConfig>(MakeTraceSink(
                 endpoint, protocol, headers, timeout_ms, sampler, sampler_arg, batch_max_queue,
                 batch_max_export, batch_schedule_delay_ms, max_export_timeout_ms,
                 max_attributes_per_span, max_events_per_span, max_links_per_span,
                 max_attributes_per_event, max_attributes_per_link, max_attribute_value_length,
                 raw_otlp));
           }),
           "endpoint"_a = pyb::none(), "protocol"_a = pyb::none(), "headers"_a = pyb::none(),
           "timeout_ms"_a = pyb::none(), "sampler"_a = pyb::none(), "sampler_arg"_a = pyb::none(),
           "batch_max_queue"_a = pyb::none(), "batch_max_export"_a = pyb::none(),
           "batch_schedule_delay_ms"_a = pyb::none(), "max_export_timeout_ms"_a = pyb::none(),
           "max_attributes_per_span"_a = pyb::none(), "max_events_per_span"_a = pyb::none(),
           "max_links_per_span"_a = pyb::none(), "max_attributes_per_event"_a = pyb::none(),
           "max_attributes_per_link"_a = pyb::none(), "max_attribute_value_length"_a = pyb::none(),
           "raw_otlp"_a = pyb::none())
      .def_property_readonly("endpoint", [](const TraceSinkConfig& s) { return s.endpoint; })
      .def_property_readonly("protocol", [](const TraceSinkConfig& s) { return s.protocol; })
      .def_property_readonly("sampler", [](const TraceSinkConfig& s) { return s.sampler; })
      .def_property_readonly("sampler_arg", [](const TraceSinkConfig& s) { return s.sampler_arg; })
      .def_property_readonly("timeout_ms", [](const TraceSinkConfig& s) { return s.timeout_ms; })
      .def_property_readonly("compression", [](const TraceSinkConfig& s) { return s.compression; })
      .def("describe", &TraceSinkDescribe)
      .def("__repr__", &TraceSinkRepr);

  pyb::class_<MetricSinkConfig, std::shared_ptr<MetricSinkConfig>>(
      m, "MetricSink", "Exports metrics over OTLP (gRPC or HTTP/protobuf) from a periodic reader.")
      .def(pyb::init([](pyb::object endpoint, pyb::object protocol, pyb::object headers,
                        pyb::object timeout_ms, pyb::object export_interval_ms,
                        pyb::object export_timeout_ms, pyb::object temporality, pyb::object raw_otlp) {
             return std::const_pointer_cast<MetricSinkConfig>(
                 MakeMetricSink(endpoint, protocol, headers, timeout_ms, export_interval_ms,
                                export_timeout_ms, temporality, raw_otlp));
           }),
           "endpoint"_a = pyb::none(), "protocol"_a = pyb::none(), "headers"_a = pyb::none(),
           "timeout_ms"_a = pyb::none(), "export_interval_ms"_a = pyb::none(),
           "export_timeout_ms"_a = pyb::none(), "temporality"_a = pyb::none(), "raw_otlp"_a = pyb::none())
      .def_property_readonly("endpoint", [](const MetricSinkConfig& s) { return s.endpoint; })
      .def_property_readonly("protocol", [](const MetricSinkConfig& s) { return s.protocol; })
      .def_property_readonly("temporality", [](const MetricSinkConfig& s) { return s.temporality; })
      .def_property_readonly("export_interval_ms", [](const MetricSinkConfig& s) { return s.export_interval_ms; })
      .def("describe", &MetricSinkDescribe)
      .def("__repr__", &MetricSinkRepr);

  pyb::class_<OtlpLogSinkConfig, std::shared_ptr<OtlpLogSinkConfig>>(
      m, "OtlpLogSink", "Exports log records over OTLP (gRPC or HTTP/protobuf) through a batch processor.")
      .def(pyb::init([](pyb::object endpoint, pyb::object protocol, pyb::object headers,
                        pyb::object timeout_ms, pyb::object batch_max_queue, pyb::object batch_max_export,
                        pyb::object batch_schedule_delay_ms, pyb::object max_export_timeout_ms,
                        pyb::object raw_otlp) {
             return std::const_pointer_cast<OtlpLogSinkConfig>(
                 MakeOtlpLogSink(endpoint, protocol, headers, timeout_ms, batch_max_queue, batch_max_export,
                                 batch_schedule_delay_ms, max_export_timeout_ms, raw_otlp));
           }),
           "endpoint"_a = pyb::none(), "protocol"_a = pyb::none(), "headers"_a = pyb::none(),
           "timeout_ms"_a = pyb::none(), "batch_max_queue"_a = pyb::none(), "batch_max_export"_a = pyb::none(),
           "batch_schedule_delay_ms"_a = pyb::none(), "max_export_timeout_ms"_a = pyb::none(),
           "raw_otlp"_a = pyb::none())
      .def_property_readonly("endpoint", [](const OtlpLogSinkConfig& s) { return s.endpoint; })
      .def_property_readonly("protocol", [](const OtlpLogSinkConfig& s) { return s.protocol; })
      .def("describe", &OtlpLogSinkDescribe)
      .def("__repr__", &OtlpLogSinkRepr);

  pyb::class_<SlsLogSinkConfig, std::shared_ptr<SlsLogSinkConfig>>(
      m, "SlsLogSink", "Writes log records to an SLS logstore through PutLogs (signed, compressed, batched).")
      .def(pyb::init([](pyb::object endpoint, pyb::object project, pyb::object logstore, pyb::object ak_id,
                        pyb::object ak_secret, pyb::object topic, pyb::object source,
                        pyb::object security_token, pyb::object compression, pyb::object signature_version,
                        pyb::object region, pyb::object batch_max_queue, pyb::object batch_max_bytes,
                        pyb::object batch_linger_ms) {
             return std::const_pointer_cast<SlsLogSinkConfig>(MakeSlsLogSink(
                 endpoint, project, logstore, ak_id, ak_secret, topic, source, security_token, compression,
                 signature_version, region, batch_max_queue, batch_max_bytes, batch_linger_ms));
           }),
           "endpoint"_a, "project"_a, "logstore"_a, "ak_id"_a, "ak_secret"_a, "topic"_a = "",
           "source"_a = "", "security_token"_a = pyb::none(), "compression"_a = "lz4",
           "signature_version"_a = "v1", "region"_a = pyb::none(), "batch_max_queue"_a = pyb::none(),
           "batch_max_bytes"_a = pyb::none(), "batch_linger_ms"_a = pyb::none())
      .def_property_readonly("project", [](const SlsLogSinkConfig& s) { return s.project; })
      .def_property_readonly("logstore", [](const SlsLogSinkConfig& s) { return s.logstore; })
      .def("describe", &SlsLogSinkDescribe)
      .def("__repr__", &SlsLogSinkRepr);

  pyb::class_<Config, std::shared_ptr<Config>>(
      m, "Config", "What ptx.init starts: the service, its resource, console output and sinks.")
      .def(pyb::init([](pyb::object service_name, pyb::object resource_attributes,
                        bool console_output, const std::string& console_format,
                        const std::string& console_level, pyb::object sinks) {
             return std::const_pointer_cast<Config>(MakeConfig(service_name, resource_attributes,
                                                               console_output, console_format,
                                                               console_level, sinks));
           }),
           "service_name"_a = pyb::none(), "resource_attributes"_a = pyb::none(),
           "console_output"_a = true, "console_format"_a = "compact", "console_level"_a = "info",
           "sinks"_a = pyb::none())
      .def_property_readonly("service_name", &ServiceNameForDisplay)
      .def_property_readonly("console_output", [](const Config& c) { return c.console_output; })
      .def_property_readonly("console_format", [](const Config& c) { return c.console_format; })
      .def_property_readonly("console_level", [](const Config& c) { return c.console_level; })
      .def("describe",
           [](const Config& c) {
             pyb::dict d;
             d["service_name"] = ServiceNameForDisplay(c);
             d["console_output"] = c.console_output;
             d["console_format"] = c.console_format;
             d["console_level"] = c.console_level;
             d["traces"] = c.trace_sinks.size();
             d["metrics"] = c.metric_sinks.size();
             d["otlp_logs"] = c.otlp_log_sinks.size();
             d["sls_logs"] = c.sls_log_sinks.size();
             pyb::dict attrs;
             for (const auto& [k, v] : c.resource_attributes) attrs[pyb::str(k)] = FromAttributeValue(v);
             d["resource_attributes"] = attrs;
             pyb::list sinks;
             for (const auto& s : c.trace_sinks) sinks.append(TraceSinkDescribe(*s));
             for (const auto& s : c.metric_sinks) sinks.append(MetricSinkDescribe(*s));
             for (const auto& s : c.otlp_log_sinks) sinks.append(OtlpLogSinkDescribe(*s));
             for (const auto& s : c.sls_log_sinks) sinks.append(SlsLogSinkDescribe(*s));
             d["sinks"] = sinks;
             return d;
           })
      .def("__repr__", [](const Config& c) {
        return "Config(service_name=" + QuotePy(ServiceNameForDisplay(c)) +
               ", traces=" + std::to_string(c.trace_sinks.size()) +
               ", metrics=" + std::to_string(c.metric_sinks.size()) +
               ", otlp_logs=" + std::to_string(c.otlp_log_sinks.size()) +
               ", sls_logs=" + std::to_string(c.sls_log_sinks.size()) + ", console=" +
               (c.console_output ? "True" : "False") + ")";
      });
}

}  // namespace ptx::py
