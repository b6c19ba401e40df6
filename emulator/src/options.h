// Command-line and environment configuration of ptx-emulator.
//
//   ptx::emulator::FlagParse parsed = ptx::emulator::ParseFlags(argc, argv, std::getenv);
//   if (!parsed.status.ok()) { std::cerr << parsed.status.message(); return 2; }
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ptx/base/status.h"

namespace ptx::emulator {

struct EmulatorOptions {
  // OTLP/gRPC listener (traces, metrics, logs).
  std::string otlp_grpc_address = "127.0.0.1:4317";
  // OTLP/HTTP, query API, control API and health endpoint.
  std::string http_address = "127.0.0.1:4318";
  // SLS API listener.
  std::string sls_address = "127.0.0.1:4319";
  // When non-empty, OTLP requests must send "Authorization: Bearer <token>".
  std::string bearer_token;
  // Largest accepted OTLP payload, measured after decompression (the collector's default).
  size_t max_body_bytes = size_t{20} << 20;
  // Spans kept in memory; the oldest are evicted first.
  size_t max_spans = 100000;
  // OTLP log records kept in memory; the oldest are evicted first.
  size_t max_logs = 100000;
  // OTLP metric data points kept in memory; the oldest are evicted first.
  size_t max_metric_points = 100000;
  // SLS logs kept per logstore; the oldest log groups are evicted first.
  size_t max_sls_logs = 100000;
  // Retention by encoded size per signal (SLS: per logstore), beside the counts above.
  size_t max_span_bytes = size_t{256} << 20;
  size_t max_log_bytes = size_t{256} << 20;
  size_t max_metric_point_bytes = size_t{128} << 20;
  size_t max_sls_log_bytes = size_t{64} << 20;
  // When non-empty, the write-ahead log directory: what is stored survives restarts.
  std::string data_dir;
  // "always", "interval" or "never": when an acknowledged write is fsynced (--data-dir).
  std::string fsync = "always";
  // A write-ahead log segment beyond this size triggers a snapshot and compaction.
  size_t wal_segment_bytes = size_t{64} << 20;
  // When non-empty, an OTLP JSON lines file (what GET /api/export writes) loaded at start.
  std::string load_file;
  // SLS access keys (id, secret). When set, SLS requests must be signed with one of them.
  std::vector<std::pair<std::string, std::string>> credentials;
};

struct FlagParse {
  EmulatorOptions options;
  Status status;      // InvalidArgument with a message for the user on bad flags.
  bool help = false;  // --help was given: print Usage() and exit 0.
};

// Environment lookup, std::getenv-shaped so tests can pass a fake.
using GetEnv = std::function<const char*(const char*)>;

// Environment variables PTX_EMULATOR_<FLAG> set defaults; command-line flags override them.
// Flags take "--flag VALUE" or "--flag=VALUE".
FlagParse ParseFlags(int argc, const char* const* argv, const GetEnv& getenv);

std::string Usage();

// A listener address split into host (brackets stripped for IPv6) and port.
struct HostPort {
  std::string host;
  int port = 0;
};
// Accepts "host:port" and "[v6]:port"; port 0 asks for an ephemeral port.
Result<HostPort> ParseHostPort(std::string_view address);
// "host:port", bracketing IPv6 hosts.
std::string FormatHostPort(std::string_view host, int port);

}  // namespace ptx::emulator
