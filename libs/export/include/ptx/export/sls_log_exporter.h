// The SLS log exporter: writes log records to an Alibaba Cloud Log Service logstore through the
// native PutLogs API (one LogGroup per request, lz4/zstd, signature v1 or v4, STS tokens),
// retrying like the official producers.
//
//   auto exporter = ptx::SlsLogExporter::Create(sls_options, resource, on_error);
//   auto p = std::make_unique<ptx::BatchLogRecordProcessor>(std::move(*exporter), ptx::SlsBatchOptions());
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "ptx/base/status.h"
#include "ptx/compression/codec.h"
#include "ptx/export/log_export_stats.h"
#include "ptx/sdk/batch_processor.h"
#include "ptx/sdk/logs/log_record_exporter.h"
#include "ptx/sdk/resource.h"
#include "ptx/transport/http_client.h"
#include "ptx/transport/retry.h"

namespace ptx {

struct SlsLogExporterOptions {
  enum class SignatureVersion { kV1, kV4 };

  // A bare host ("cn-hangzhou.log.aliyuncs.com", meaning https) or a URL with scheme and
  // optional port ("http://127.0.0.1:4319"). Requests go to {project}.{host}, except for IP
  // literals and localhost, which are connected to directly; the Host header is always
  // {project}.{host}[:port] (SLS takes the project from its first label).
  std::string endpoint;
  std::string project;
  std::string logstore;
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;  // STS token, sent (and signed) as x-acs-security-token
  std::string topic;           // LogGroup Topic (__topic__); empty: none
  std::string source;          // LogGroup Source (__source__); empty: this host's IP, else its name
  // kLz4 (the official clients' default), kZstd, kDeflate or kNone.
  compression::Codec compression = compression::Codec::kLz4;
  SignatureVersion signature_version = SignatureVersion::kV1;
  std::string region;  // required with kV4, e.g. "cn-hangzhou"
  // A batch larger than either limit is split into several PutLogs requests. SLS accepts at
  // most 4096 logs and (by its older limit) 3 MiB of uncompressed LogGroup per request.
  size_t max_request_logs = 4096;
  size_t max_request_bytes = 3 * 1024 * 1024;
  std::chrono::milliseconds timeout{30000};  // one Export, every request and retry included
  // Back-off between attempts: 100 ms doubling, capped; attempts end with the timeout.
  transport::RetryPolicy retry{/*max_attempts=*/1000, std::chrono::milliseconds(100), 2.0,
                               std::chrono::milliseconds(10000), 1.0, 1.0, 0};
  std::string ca_file;     // PEM roots for https; empty: the system's
  std::string user_agent;  // empty: pytracingx-sls/<version>
};

// Every value Create would refuse, with the configuration phrases ("endpoint must not be
// empty", "project must not be empty", likewise logstore, ak_id, ak_secret; "region is required
// for signature v4"; "unknown compression '...'" for a codec SLS cannot read).
Status ValidateSlsLogExporterOptions(const SlsLogExporterOptions& options);

// What the official producers batch by: 4096 logs or a 2000 ms linger, a queue of 4096 records
// and a 30 s export timeout. Bytes are bounded by the exporter (max_request_bytes).
BatchOptions SlsBatchOptions();

// The destination derived from the options: where requests go and the Host they name.
struct SlsDestination {
  std::string url;          // "https://proj.cn-hangzhou.log.aliyuncs.com/logstores/app/shards/lb"
  std::string host_header;  // "proj.cn-hangzhou.log.aliyuncs.com"
  std::string path;         // "/logstores/app/shards/lb"
};
Result<SlsDestination> ResolveSlsDestination(const SlsLogExporterOptions& options);

// Each log becomes one SLS log: Time/Time_ns from the record's time (else its observed time),
// contents `message` (the body; non-strings rendered by AttributeValueToString), `level` (the
// severity text, else the severity's short name), `logger` (scope name), `trace_id` and
// `span_id` (hex), each only when present, then the attributes in order (non-string values
// rendered by AttributeValueToString). The resource attributes become LogTags.
//
// Retries: 5xx, 403 WriteQuotaExceed/ShardWriteQuotaExceed, network errors and answers without
// an x-log-requestid header; never 400, 401, 404 and other 4xx. Each failed Export is reported
// once through the hook, its message starting with the SLS errorCode ("SignatureNotMatch: ...").
//
// Thread safety: Export is called by one thread at a time (the processor's worker); Shutdown
// and stats() from any thread: Shutdown interrupts a back-off sleep and cancels the request
// in flight, then waits (bounded) for Export to return.
class SlsLogExporter final : public LogRecordExporter {
 public:
  using ErrorHook = std::function<void(const Status&)>;

  // InvalidArgument when ValidateSlsLogExporterOptions fails. `client` replaces the default
  // CurlHttpClient (tests, shared clients); a forked child always opens a CurlHttpClient.
  static Result<std::unique_ptr<SlsLogExporter>> Create(
      SlsLogExporterOptions options, Resource resource, ErrorHook on_error = nullptr,
      std::unique_ptr<transport::HttpClient> client = nullptr);
  ~SlsLogExporter() override;
  SlsLogExporter(const SlsLogExporter&) = delete;
  SlsLogExporter& operator=(const SlsLogExporter&) = delete;

  // Ok when every PutLogs request of the batch was accepted. On the first request that fails
  // for good the rest of the batch is not sent (all of it counts as failed in stats, except
  // what was already accepted). FailedPrecondition after Shutdown.
  Status Export(const LogBatch& batch, SteadyClock::time_point deadline) override;
  // Idempotent. Later Export calls fail at once.
  void Shutdown(SteadyClock::time_point deadline) override;
  // In a forked child: abandons the inherited connection and opens a fresh client.
  void AfterForkChild() override;

  const LogExportStats& stats() const { return stats_; }
  const SlsDestination& destination() const;
  const std::string& source() const;  // the Source every LogGroup carries

 private:
  struct Impl;
  explicit SlsLogExporter(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  LogExportStats stats_;
};

}  // namespace ptx
