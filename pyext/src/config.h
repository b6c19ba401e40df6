// The immutable configuration objects of the Python API (Config, TraceSink, RawOtlp):
// validated at construction, environment defaults applied, explicit arguments winning.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "convert.h"
#include "ptx/base/attribute_value.h"
#include "ptx/export/otlp_exporter_options.h"
#include "ptx/export/sls_log_exporter.h"

namespace ptx::py {

struct RawOtlpConfig {
  std::optional<std::string> compression;  // gzip | zstd | none; nullopt = not set
  std::optional<std::string> ca_file;      // PEM roots for TLS; nullopt = the system's
};

// What every OTLP sink (traces, metrics, logs) shares.
struct OtlpSinkOptions {
  std::string endpoint;  // as given, or resolved from OTEL_EXPORTER_OTLP_[SIGNAL_]ENDPOINT
  std::string protocol;  // "grpc" | "http/protobuf"
  HeaderList headers;
  int64_t timeout_ms = 10000;
  std::string compression = "none";  // resolved: gzip | zstd | none
  std::string ca_file;               // resolved; empty = system roots
  std::shared_ptr<const RawOtlpConfig> raw_otlp;
};

struct TraceSinkConfig : OtlpSinkOptions {
  std::string sampler = "parentbased_always_on";
  double sampler_arg = 1.0;
  bool sampler_arg_given = false;
  int64_t batch_max_queue = 2048;
  int64_t batch_max_export = 512;
  int64_t batch_schedule_delay_ms = 5000;
  int64_t max_export_timeout_ms = 30000;
  int64_t max_attributes_per_span = 128;
  int64_t max_events_per_span = 128;
  int64_t max_links_per_span = 128;
  int64_t max_attributes_per_event = 128;
  int64_t max_attributes_per_link = 128;
  std::optional<int64_t> max_attribute_value_length;  // unlimited when absent
};

struct MetricSinkConfig : OtlpSinkOptions {
  int64_t export_interval_ms = 60000;
  int64_t export_timeout_ms = 30000;
  std::string temporality = "cumulative";  // cumulative | delta | lowmemory
};

struct OtlpLogSinkConfig : OtlpSinkOptions {
  int64_t batch_max_queue = 2048;
  int64_t batch_max_export = 512;
  int64_t batch_schedule_delay_ms = 1000;
  int64_t max_export_timeout_ms = 30000;
};

struct SlsLogSinkConfig {
  std::string endpoint, project, logstore, ak_id, ak_secret, topic, source, security_token;
  std::string compression = "lz4";       // lz4 | zstd | none
  std::string signature_version = "v1";  // v1 | v4
  std::string region;                    // required with v4
  int64_t batch_max_queue = 4096;
  int64_t batch_max_bytes = 3 * 1024 * 1024;
  int64_t batch_linger_ms = 2000;
};

struct Config {
  std::string service_name;  // resolved; empty means "let the resource decide"
  bool service_name_explicit = false;
  Attributes resource_attributes;
  bool console_output = true;
  std::string console_format = "compact";
  std::string console_level = "info";
  std::vector<std::shared_ptr<const TraceSinkConfig>> trace_sinks;
  std::vector<std::shared_ptr<const MetricSinkConfig>> metric_sinks;
  std::vector<std::shared_ptr<const OtlpLogSinkConfig>> otlp_log_sinks;
  std::vector<std::shared_ptr<const SlsLogSinkConfig>> sls_log_sinks;
};

// What the OTLP exporter of a trace sink is built from.
OtlpExporterOptions ExporterOptions(const OtlpSinkOptions& sink);

// What the SLS exporter of an SlsLogSink is built from.
SlsLogExporterOptions SlsExporterOptions(const SlsLogSinkConfig& sink);

// "***" for header names that carry credentials.
bool IsSecretName(const std::string& name);

void RegisterConfig(pybind11::module_& m);

}  // namespace ptx::py
