// The Tracer creates spans; a LiveSpan collects what the application records on it and, on
// End, hands the finished record to the processors of the pipelines whose sampler chose it.
//
//   auto tracer = std::move(ptx::Tracer::Create(std::move(options))).value();
//   ptx::LiveSpan span = tracer->StartSpan({"GET /users"}); span.End();
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ptx/base/attribute_value.h"
#include "ptx/base/clock.h"
#include "ptx/base/status.h"
#include "ptx/context/span_context.h"
#include "ptx/sampling/sampler.h"
#include "ptx/sdk/resource.h"
#include "ptx/sdk/span_data.h"
#include "ptx/sdk/span_limits.h"
#include "ptx/sdk/span_processor.h"

namespace ptx {

class ConsoleSink;

// A span's pipeline selection is a bitmask, hence the limit.
inline constexpr size_t kMaxPipelines = 8;

// One sampler deciding for one processor (usually a BatchSpanProcessor over one sink).
struct TracePipeline {
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<SpanProcessor> processor;
};

struct TracerOptions {
  Resource resource;                     // describes this process; exporters get it separately
  SpanLimits limits;                     // applied to every span of this tracer
  std::vector<TracePipeline> pipelines;  // at most kMaxPipelines; none = console-only mode
};

struct StartSpanOptions {
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  std::optional<SpanContext> parent;          // local or remote (is_remote); absent/invalid = root
  Attributes attributes;                      // subject to the span limits
  std::vector<SpanLink> links;                // subject to the span limits
  uint64_t start_time_unix_nano = 0;          // 0 = now
  const InstrumentationScope* scope = nullptr;  // interned (ScopeRegistry); may be null
};

namespace internal {
struct TracerCore;
}  // namespace internal

// A span between StartSpan and End. Move-only and thread-compatible: one thread at a time
// (the Python layer calls it under the GIL). A span that no pipeline selected and the console
// does not print carries only its context: every method is a cheap no-op. A LiveSpan destroyed
// without End is discarded. It keeps the tracer's pipelines alive, so it may outlive the Tracer.
class LiveSpan {
 public:
  LiveSpan() = default;  // invalid context, non-recording
  // The moved-from span is left ended, with an invalid context. Assigning over a span that has
  // not ended discards it.
  LiveSpan(LiveSpan&& other) noexcept;
  LiveSpan& operator=(LiveSpan&& other) noexcept;
  LiveSpan(const LiveSpan&) = delete;
  LiveSpan& operator=(const LiveSpan&) = delete;
  ~LiveSpan();

  // Valid for every span a Tracer started. Sampled flag: some pipeline selected the span; with no
  // pipelines (console-only), what parentbased_always_on would decide.
  const SpanContext& context() const { return context_; }
  // Collecting data (selected by a pipeline, or printed by the console) and not ended yet.
  bool recording() const { return data_ != nullptr && !ended_; }
  bool ended() const { return ended_; }
  // Bit i set: pipeline i selected the span.
  uint8_t pipeline_mask() const { return mask_; }
  // The record collected so far, or nullptr when the span collects nothing (or has ended).
  const SpanData* data() const { return data_.get(); }

  // Replaces an existing key in place; a new key beyond max_attributes is dropped and counted.
  // Empty keys are ignored. String values are truncated to max_attribute_value_length.
  void SetAttribute(std::string_view key, AttributeValue value);
  void SetAttributes(Attributes attributes);
  // time 0 = now. Beyond max_events the event is dropped and counted.
  void AddEvent(std::string name, Attributes attributes = {}, uint64_t time_unix_nano = 0);
  // A link to an invalid context is kept only when it has attributes or a trace state.
  void AddLink(const SpanContext& context, Attributes attributes = {});
  // OK is final; UNSET never overrides; the description is kept only with ERROR.
  void SetStatus(SpanStatusCode code, std::string_view description = {});
  void UpdateName(std::string name);
  // The "exception" event with exception.type/message/stacktrace (+ exception.escaped=true
  // when escaped); `extra` attributes are added after them and win on equal keys.
  void RecordException(std::string type, std::string message, std::string stacktrace,
                       Attributes extra = {}, bool escaped = false);
  // Idempotent. time 0 = now. Hands the record to each selected pipeline (a copy for all but
  // the last) and to the console.
  void End(uint64_t end_time_unix_nano = 0);

 private:
  friend class Tracer;

  // Limits are read through core_; null when the span collects nothing.
  std::shared_ptr<internal::TracerCore> core_;
  std::unique_ptr<SpanData> data_;  // null when nothing collects the span
  ConsoleSink* console_ = nullptr;  // kept alive by core_; prints this span when set
  SpanContext context_;
  uint8_t mask_ = 0;
  bool ended_ = false;
};

// Thread-safe. Pipelines are fixed at creation; the console can be swapped at any time.
// Sampling: every pipeline's sampler decides; the span records iff at least one said yes, and
// its sampled flag says the same, so children and propagated contexts agree with the record.
// With no pipelines (console-only mode) spans never record for export but still get ids; their
// sampled flag is inherited from the parent (root: not sampled) so that a console-only service
// in the middle of a trace does not cut sampling for the services after it.
// The console prints spans that some pipeline selected, or every span in console-only mode.
// After Shutdown, StartSpan returns spans that have ids but record and print nothing.
class Tracer {
 public:
  // InvalidArgument when there are more than kMaxPipelines pipelines or one lacks a sampler
  // or a processor.
  static Result<std::unique_ptr<Tracer>> Create(TracerOptions options);
  // Shutdown(now + 30 s) unless already shut down.
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  LiveSpan StartSpan(StartSpanOptions options);

  // nullptr removes the console. Sinks set once stay alive until the tracer and all its spans
  // are gone (spans in flight may still print to them).
  void SetConsole(std::shared_ptr<ConsoleSink> console);

  // Across pipelines, concurrently, each bounded by deadline; true when all succeeded.
  bool ForceFlush(SteadyClock::time_point deadline);
  // Idempotent; later calls return the first result.
  bool Shutdown(SteadyClock::time_point deadline);
  bool is_shutdown() const;

  ProcessorStats Stats() const;                       // summed over pipelines
  std::vector<ProcessorStats> PipelineStats() const;  // one entry per pipeline

  const Resource& resource() const;
  const SpanLimits& limits() const;
  size_t pipeline_count() const;

  // fork() support, for the pthread_atfork / os.register_at_fork handlers: the consoles and
  // every processor (see BatchSpanProcessor for what a child keeps). In the child, process.pid
  // in resource() is updated to the child's pid.
  void PrepareFork();
  void AfterForkParent();
  void AfterForkChild();

 private:
  explicit Tracer(std::shared_ptr<internal::TracerCore> core);

  std::shared_ptr<internal::TracerCore> core_;
};

}  // namespace ptx
