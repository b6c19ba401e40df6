#include "runtime.h"

#include <pybind11/pybind11.h>

#include <pthread.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "diagnostics.h"
#include "ptx/base/text.h"
#include "ptx/compression/codec.h"
#include "metrics.h"
#include "ptx/export/otlp_log_exporter.h"
#include "ptx/export/otlp_metric_exporter.h"
#include "ptx/export/sls_log_exporter.h"
#include "ptx/sdk/logs/log_record_processor.h"
#include "ptx/export/otlp_span_exporter.h"
#include "ptx/sdk/metrics/periodic_exporting_metric_reader.h"
#include "ptx/sampling/sampler.h"
#include "ptx/sdk/batch_span_processor.h"
#include "ptx/sdk/console_sink.h"
#include "ptx/sdk/resource.h"

namespace ptx::py {
namespace pyb = pybind11;
namespace {

// Interpreter exit gives queued telemetry this long to leave.
constexpr int64_t kExitTimeoutMs = 5000;

// A year is "forever" here; clamping keeps now + timeout from overflowing.
constexpr int64_t kMaxTimeoutMs = 365LL * 24 * 3600 * 1000;

SteadyClock::time_point DeadlineIn(int64_t timeout_ms) {
  return SteadyClock::now() + std::chrono::milliseconds(std::clamp<int64_t>(timeout_ms, 0, kMaxTimeoutMs));
}

// pthread_atfork handlers: they run inside fork() itself, after every os.register_at_fork
// "before" hook (some of which wait for Python locks with the GIL released, and would deadlock
// against a span ending on another thread if our locks were already taken) and with the GIL held,
// so no Python thread can be inside the SDK. Registered after the first transport exists, so
// that gRPC's own handlers run outside ours: prepare after ours, child before ours.
void ForkPrepare() { Runtime::Get().BeforeFork(); }
void ForkParent() { Runtime::Get().AfterForkInParent(); }
void ForkChild() { Runtime::Get().AfterForkInChild(); }

bool SdkDisabled() {
  const char* v = std::getenv("OTEL_SDK_DISABLED");
  return v && AsciiLower(TrimSpaces(v)) == "true";
}

// Spans and log records are allocated on application threads and freed by the export
// threads. glibc parks small chunks freed that way in the owning thread's arena "fastbins" and
// merges them later, inside that application thread's next large malloc: a stall of a few ms
// after each export that made spans and logs from 8 threads cost up to 3x what they cost from
// one (bench/python/compare.py; with fastbins off, 1.05x). Off, a chunk is merged when freed,
// on the export thread that frees it. tcache, glibc's per-thread fast path, is unaffected.
// PTX_MALLOC_TUNING=off leaves the application's malloc settings alone.
void TuneMallocForExportThreads() {
#if defined(__GLIBC__) && defined(M_MXFAST)
  const char* v = std::getenv("PTX_MALLOC_TUNING");
  if (v != nullptr && AsciiLower(TrimSpaces(v)) == "off") return;
  mallopt(M_MXFAST, 0);
#endif
}

std::unique_ptr<Propagators> PropagatorsFromEnv() {
  const char* env = std::getenv("OTEL_PROPAGATORS");
  auto parsed = ParsePropagators(env ? env : "tracecontext,baggage");
  for (const auto& warning : parsed.warnings) WarnOnce(warning);
  return std::make_unique<Propagators>(std::move(parsed.propagators));
}

SpanLimits CombinedLimits(const Config& config) {
  // One record serves every pipeline, so it keeps what the most generous sink allows.
  if (config.trace_sinks.empty()) return SpanLimits{};
  SpanLimits l;
  l.max_attributes = l.max_events = l.max_links = 0;
  l.max_attributes_per_event = l.max_attributes_per_link = l.max_attribute_value_length = 0;
  for (const auto& s : config.trace_sinks) {
    l.max_attributes = std::max<size_t>(l.max_attributes, s->max_attributes_per_span);
    l.max_events = std::max<size_t>(l.max_events, s->max_events_per_span);
    l.max_links = std::max<size_t>(l.max_links, s->max_links_per_span);
    l.max_attributes_per_event = std::max<size_t>(l.max_attributes_per_event, s->max_attributes_per_event);
    l.max_attributes_per_link = std::max<size_t>(l.max_attributes_per_link, s->max_attributes_per_link);
    size_t length = s->max_attribute_value_length ? static_cast<size_t>(*s->max_attribute_value_length)
                                                  : SIZE_MAX;
    l.max_attribute_value_length = std::max(l.max_attribute_value_length, length);
  }
  return l;
}

// One dict of counters per pipeline, in sink order.
pyb::list PipelineStatsList(const std::vector<ProcessorStats>& pipelines) {
  pyb::list out;
  for (const ProcessorStats& p : pipelines) {
    pyb::dict d;
    d["queued"] = p.queued;
    d["dropped"] = p.dropped;
    d["exported"] = p.exported;
    d["export_failures"] = p.export_failures;
    out.append(d);
  }
  return out;
}

}  // namespace

Runtime& Runtime::Get() {
  static Runtime* runtime = new Runtime();
  return *runtime;
}

Runtime::Runtime() : propagators_(PropagatorsFromEnv()) {}

void Runtime::Init(const Config& config) {
  if (initialized_) throw std::runtime_error("pytracingx is already initialized");
  propagators_ = PropagatorsFromEnv();
  if (SdkDisabled()) {
    initialized_ = true;
    return;
  }

  if (!config.trace_sinks.empty() || !config.otlp_log_sinks.empty() ||
      !config.sls_log_sinks.empty()) {
    TuneMallocForExportThreads();
  }

  ResourceOptions resource_options;
  resource_options.service_name = config.service_name;
  resource_options.user_attributes = config.resource_attributes;
  Resource resource = BuildResource(resource_options);

  // Export failures and drops are reported here, rate-limited, even with console_output off.
  ConsoleOptions console_options;
  console_options.format = *ParseConsoleFormat(config.console_format);  // validated by Config
  console_options.level = *ParseConsoleLevel(config.console_level);
  bool print_spans = config.console_output && console_options.level != ConsoleLevel::kOff;
  if (!print_spans) console_options.level = ConsoleLevel::kWarn;
  auto console = std::make_shared<ConsoleSink>(std::move(console_options));
  // Processors and readers report drops and thread trouble. Export failures are reported by the
  // exporters' hooks below, which name the backend and its error code (and also see partial
  // successes); the processors' "*.export_failed" would repeat each of them.
  auto report = [console](std::string_view key, std::string_view message) {
    constexpr std::string_view kExportFailed = "export_failed";
    if (key.size() >= kExportFailed.size() && key.substr(key.size() - kExportFailed.size()) == kExportFailed) {
      return;
    }
    console->Diagnostic(ConsoleLevel::kWarn, message, key);
  };

  std::vector<TracePipeline> pipelines;
  for (const auto& sink : config.trace_sinks) {
    auto sampler = MakeSampler(sink->sampler, sink->sampler_arg);
    if (!sampler.ok()) throw pyb::value_error(sampler.status().message());
    BatchOptions batch;
    batch.max_queue = static_cast<size_t>(sink->batch_max_queue);
    batch.max_export_batch = static_cast<size_t>(sink->batch_max_export);
    batch.schedule_delay = std::chrono::milliseconds(sink->batch_schedule_delay_ms);
    batch.export_timeout = std::chrono::milliseconds(sink->max_export_timeout_ms);
    batch.diagnostics = report;
    std::string key = "traces " + sink->endpoint;
    auto exporter = OtlpSpanExporter::Create(
        ExporterOptions(*sink), resource,
        [console, key](const Status& status) {
          console->Diagnostic(ConsoleLevel::kWarn, "exporting spans to " + key.substr(7) + " failed: " +
                                                       status.ToString(), key);
        });
    if (!exporter.ok()) throw pyb::value_error(exporter.status().message());
    TracePipeline pipeline;
    pipeline.sampler = std::move(sampler).value();
    pipeline.processor = std::make_unique<BatchSpanProcessor>(std::move(exporter).value(), batch);
    pipelines.push_back(std::move(pipeline));
  }

  TracerOptions options;
  options.resource = std::move(resource);
  options.limits = CombinedLimits(config);
  options.pipelines = std::move(pipelines);
  auto tracer = Tracer::Create(std::move(options));
  if (!tracer.ok()) throw pyb::value_error(tracer.status().message());
  if (print_spans) (*tracer)->SetConsole(console);

  std::vector<std::unique_ptr<MetricReader>> readers;
  std::vector<const PeriodicExportingMetricReader*> reader_views;
  for (const auto& sink : config.metric_sinks) {
    std::string key = "metrics " + sink->endpoint;
    auto exporter = OtlpMetricExporter::Create(
        ExporterOptions(*sink), (*tracer)->resource(), [console, key](const Status& status) {
          console->Diagnostic(ConsoleLevel::kWarn,
                              "exporting metrics to " + key.substr(8) + " failed: " + status.ToString(), key);
        });
    if (!exporter.ok()) throw pyb::value_error(exporter.status().message());
    PeriodicReaderOptions reader;
    reader.export_interval = std::chrono::milliseconds(sink->export_interval_ms);
    reader.export_timeout = std::chrono::milliseconds(sink->export_timeout_ms);
    reader.temporality = sink->temporality == "delta"       ? TemporalityPreference::kDelta
                         : sink->temporality == "lowmemory" ? TemporalityPreference::kLowMemory
                                                            : TemporalityPreference::kCumulative;
    reader.diagnostics = report;
    auto periodic = std::make_unique<PeriodicExportingMetricReader>(std::move(exporter).value(), reader);
    reader_views.push_back(periodic.get());
    readers.push_back(std::move(periodic));
  }
  std::vector<std::unique_ptr<LogRecordProcessor>> log_pipelines;
  for (const auto& sink : config.otlp_log_sinks) {
    std::string key = "logs " + sink->endpoint;
    auto exporter = OtlpLogExporter::Create(
        ExporterOptions(*sink), (*tracer)->resource(), [console, key](const Status& status) {
          console->Diagnostic(ConsoleLevel::kWarn,
                              "exporting logs to " + key.substr(5) + " failed: " + status.ToString(), key);
        });
    if (!exporter.ok()) throw pyb::value_error(exporter.status().message());
    BatchOptions batch;
    batch.max_queue = static_cast<size_t>(sink->batch_max_queue);
    batch.max_export_batch = static_cast<size_t>(sink->batch_max_export);
    batch.schedule_delay = std::chrono::milliseconds(sink->batch_schedule_delay_ms);
    batch.export_timeout = std::chrono::milliseconds(sink->max_export_timeout_ms);
    batch.diagnostics = report;
    log_pipelines.push_back(std::make_unique<BatchLogRecordProcessor>(std::move(exporter).value(), batch));
  }
  for (const auto& sink : config.sls_log_sinks) {
    std::string key = "sls " + sink->project + "/" + sink->logstore;
    auto exporter = SlsLogExporter::Create(
        SlsExporterOptions(*sink), (*tracer)->resource(), [console, key](const Status& status) {
          console->Diagnostic(ConsoleLevel::kWarn,
                              "writing logs to SLS " + key.substr(4) + " failed: " + status.ToString(), key);
        });
    if (!exporter.ok()) throw pyb::value_error(exporter.status().message());
    BatchOptions batch = SlsBatchOptions();
    batch.max_queue = static_cast<size_t>(sink->batch_max_queue);
    batch.max_export_batch = std::min(batch.max_export_batch, batch.max_queue);
    batch.schedule_delay = std::chrono::milliseconds(sink->batch_linger_ms);
    batch.diagnostics = report;
    log_pipelines.push_back(std::make_unique<BatchLogRecordProcessor>(std::move(exporter).value(), batch));
  }
  LogEmitterOptions log_options;
  log_options.resource = (*tracer)->resource();
  log_options.pipelines = std::move(log_pipelines);
  auto logs = LogEmitter::Create(std::move(log_options));
  if (!logs.ok()) throw pyb::value_error(logs.status().message());
  if (print_spans) (*logs)->SetConsole(console);

  std::unique_ptr<MeterProvider> meters;
  if (!readers.empty()) {
    MeterProviderOptions options;
    options.diagnostics = report;
    meters = std::make_unique<MeterProvider>(std::move(options), std::move(readers));
  }
  owned_tracer_ = std::move(tracer).value();
  tracer_.store(owned_tracer_.get(), std::memory_order_release);
  meter_provider_ = std::move(meters);
  if (meter_provider_) metric_readers_ = std::move(reader_views);
  BindInstruments(meter_provider_.get());
  owned_log_emitter_ = std::move(logs).value();
  log_emitter_.store(owned_log_emitter_.get(), std::memory_order_release);
  // Only a successful init counts: after a failure (a collector option refused late) the
  // application may fix its configuration and call init again.
  initialized_ = true;
  static std::once_flag fork_hooks;
  std::call_once(fork_hooks, [] { pthread_atfork(ForkPrepare, ForkParent, ForkChild); });
}

bool Runtime::ForceFlush(int64_t timeout_ms) {
  Tracer* t = tracer();
  if (!t) return true;
  MeterProvider* meters = shut_down_ ? nullptr : meter_provider_.get();
  const auto deadline = DeadlineIn(timeout_ms);
  // Without the GIL: metric collection runs Python callbacks on the reader's thread.
  pyb::gil_scoped_release release;
  bool ok = t->ForceFlush(deadline);
  if (LogEmitter* logs = log_emitter()) ok = logs->ForceFlush(deadline) && ok;
  if (meters) ok = meters->ForceFlush(deadline) && ok;
  return ok;
}

void Runtime::Shutdown(int64_t timeout_ms) {
  Tracer* t = tracer_.exchange(nullptr, std::memory_order_acq_rel);
  if (!t) return;
  shut_down_ = true;
  LogEmitter* logs = log_emitter_.exchange(nullptr, std::memory_order_acq_rel);
  MeterProvider* meters = meter_provider_.get();
  const auto deadline = DeadlineIn(timeout_ms);
  // The tracer and meter provider stay allocated: a thread may still hold a pointer it read.
  pyb::gil_scoped_release release;
  if (meters) meters->Shutdown(deadline);  // collects and exports once more
  if (logs) logs->Shutdown(deadline);
  t->Shutdown(deadline);
}

void Runtime::BeforeFork() {
  if (Tracer* t = tracer()) t->PrepareFork();
  if (meter_provider_ && !shut_down_) meter_provider_->PrepareFork();
  if (LogEmitter* logs = log_emitter()) logs->PrepareFork();
}

void Runtime::AfterForkInParent() {
  if (LogEmitter* logs = log_emitter()) logs->AfterForkParent();
  if (meter_provider_ && !shut_down_) meter_provider_->AfterForkParent();
  if (Tracer* t = tracer()) t->AfterForkParent();
}

void Runtime::AfterForkInChild() {
  if (LogEmitter* logs = log_emitter()) logs->AfterForkChild();
  if (meter_provider_ && !shut_down_) meter_provider_->AfterForkChild();
  if (Tracer* t = tracer()) t->AfterForkChild();
}

void RegisterLifecycle(pyb::module_& m) {
  using namespace pybind11::literals;
  m.def(
      "init", [](const Config& config) { Runtime::Get().Init(config); }, "config"_a,
      "Starts the pipelines described by config. Raises RuntimeError on a second call.");
  m.def(
      "shutdown", [](int64_t timeout_ms) { Runtime::Get().Shutdown(timeout_ms); },
      "timeout_ms"_a = 30000, "Flushes and stops every pipeline within timeout_ms. Idempotent.");
  m.def(
      "force_flush", [](int64_t timeout_ms) { return Runtime::Get().ForceFlush(timeout_ms); },
      "timeout_ms"_a = 30000, "Exports everything queued so far; True when it all went out in time.");
  m.def(
      "stats",
      [] {
        pyb::dict out;
        Tracer* tracer = Runtime::Get().owned_tracer();
        out["traces"] = PipelineStatsList(tracer ? tracer->PipelineStats() : std::vector<ProcessorStats>{});
        pyb::dict metrics;
        if (MeterProvider* meters = Runtime::Get().meter_provider()) {
          MetricsStats m = meters->Stats();
          metrics["dropped_measurements"] = m.dropped_measurements;
          metrics["callback_failures"] = m.callback_failures;
        }
        // Per metric sink, in sink order: data points exported and dropped after a failed export
        // (exported / export_failures, as for traces and logs) and the Export calls behind them.
        pyb::list metric_sinks;
        for (const PeriodicExportingMetricReader* reader : Runtime::Get().metric_readers()) {
          MetricReaderStats r = reader->Stats();
          pyb::dict d;
          d["exported"] = r.exported_points;
          d["export_failures"] = r.failed_points;
          d["exports"] = r.exports;
          d["failed_exports"] = r.failed_exports;
          metric_sinks.append(d);
        }
        metrics["sinks"] = metric_sinks;
        out["metrics"] = metrics;
        LogEmitter* emitter = Runtime::Get().owned_log_emitter();
        out["logs"] = PipelineStatsList(emitter ? emitter->PipelineStats() : std::vector<ProcessorStats>{});
        return out;
      },
      "Counters of every pipeline: queued, dropped, exported and failed items.");
  m.def("_exit_hook", [] { Runtime::Get().Shutdown(kExitTimeoutMs); });

  // Registered from the module so that it exists however the package is imported.
  pyb::module_::import("atexit").attr("register")(m.attr("_exit_hook"));
}

}  // namespace ptx::py
