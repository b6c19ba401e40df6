#include "ptx/sdk/logs/log_emitter.h"

#include <chrono>
#include <utility>

#include "for_all_pipelines.h"
#include "ptx/sdk/console_sink.h"

namespace ptx {

using internal::ForAllPipelines;

BatchOptions DefaultBatchLogOptions() {
  BatchOptions o;
  o.schedule_delay = std::chrono::milliseconds(1000);
  return BatchLogOptionsFromEnv(std::move(o));
}

Result<std::unique_ptr<LogEmitter>> LogEmitter::Create(LogEmitterOptions options) {
  for (const auto& p : options.pipelines) {
    if (!p) return InvalidArgumentError("log pipeline without a processor");
  }
  return std::unique_ptr<LogEmitter>(new LogEmitter(std::move(options)));
}

LogEmitter::LogEmitter(LogEmitterOptions options)
    : resource_(std::move(options.resource)),
      limits_(options.limits),
      pipelines_(std::move(options.pipelines)) {}

LogEmitter::~LogEmitter() { Shutdown(SteadyClock::now() + std::chrono::seconds(30)); }

bool LogEmitter::Enabled(uint8_t severity_number) const {
  if (is_shutdown()) return false;
  if (!pipelines_.empty()) return true;
  ConsoleSink* console = console_.load(std::memory_order_acquire);
  return console != nullptr && console->Enabled(ConsoleLevelForSeverity(severity_number));
}

void LogEmitter::Emit(std::unique_ptr<LogRecordData> record) {
  if (!record || is_shutdown()) return;
  if (record->observed_time_unix_nano == 0) record->observed_time_unix_nano = NowUnixNanos();
  ApplyLogLimits(*record, limits_);
  if (ConsoleSink* console = console_.load(std::memory_order_acquire)) {
    console->OnLogRecord(*record);
  }
  const size_t n = pipelines_.size();
  for (size_t i = 0; i + 1 < n; ++i) {
    pipelines_[i]->OnEmit(std::make_unique<LogRecordData>(*record));
  }
  if (n > 0) pipelines_[n - 1]->OnEmit(std::move(record));
}

void LogEmitter::SetConsole(std::shared_ptr<ConsoleSink> console) {
  std::lock_guard<std::mutex> lock(console_mu_);
  ConsoleSink* raw = console.get();
  if (console) {
    bool known = false;
    for (const auto& c : consoles_) known = known || c.get() == raw;
    if (!known) consoles_.push_back(std::move(console));
  }
  console_.store(raw, std::memory_order_release);
}

bool LogEmitter::ForceFlush(SteadyClock::time_point deadline) {
  return ForAllPipelines(pipelines_.size(),
                         [&](size_t i) { return pipelines_[i]->ForceFlush(deadline); });
}

bool LogEmitter::Shutdown(SteadyClock::time_point deadline) {
  std::lock_guard<std::mutex> lock(shutdown_mu_);
  if (shutdown_.exchange(true, std::memory_order_acq_rel)) return shutdown_result_;
  shutdown_result_ = ForAllPipelines(
      pipelines_.size(), [&](size_t i) { return pipelines_[i]->Shutdown(deadline); });
  return shutdown_result_;
}

ProcessorStats LogEmitter::Stats() const {
  ProcessorStats total;
  for (const auto& s : PipelineStats()) {
    total.queued += s.queued;
    total.dropped += s.dropped;
    total.exported += s.exported;
    total.export_failures += s.export_failures;
  }
  return total;
}

std::vector<ProcessorStats> LogEmitter::PipelineStats() const {
  std::vector<ProcessorStats> out;
  out.reserve(pipelines_.size());
  for (const auto& p : pipelines_) out.push_back(p->Stats());
  return out;
}

void LogEmitter::PrepareFork() {
  console_mu_.lock();
  for (auto& c : consoles_) c->PrepareFork();
  for (auto& p : pipelines_) p->PrepareFork();
}

void LogEmitter::AfterForkParent() {
  for (auto& p : pipelines_) p->AfterForkParent();
  for (auto& c : consoles_) c->AfterForkParent();
  console_mu_.unlock();
}

void LogEmitter::AfterForkChild() {
  for (auto& p : pipelines_) p->AfterForkChild();
  for (auto& c : consoles_) c->AfterForkChild();
  RefreshProcessPid(resource_);
  console_mu_.unlock();
}

}  // namespace ptx
