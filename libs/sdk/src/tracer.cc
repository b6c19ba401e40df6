#include "ptx/sdk/tracer.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "ptx/context/id_generator.h"
#include "ptx/sdk/console_sink.h"
#include "for_all_pipelines.h"

namespace ptx {
namespace internal {

// Shared by the Tracer and its collecting spans, so that a span ending after the Tracer is
// gone still reaches the processors.
struct TracerCore {
  Resource resource;  // updated only in AfterForkChild (single-threaded)
  SpanLimits limits;
  std::vector<TracePipeline> pipelines;  // fixed after Create

  std::atomic<ConsoleSink*> console{nullptr};  // owned by `consoles`
  std::mutex console_mu;
  std::vector<std::shared_ptr<ConsoleSink>> consoles;  // GUARDED_BY(console_mu); never shrinks

  enum : int { kRunning, kShuttingDown, kShutOk, kShutFailed };
  std::atomic<int> state{kRunning};

  bool running() const { return state.load(std::memory_order_acquire) == kRunning; }
};

}  // namespace internal

namespace {

using internal::ForAllPipelines;

constexpr std::string_view kExceptionEvent = "exception";

void PutAttribute(Attributes& attrs, uint32_t& dropped, std::string_view key,
                  AttributeValue value, size_t max_count, size_t max_length) {
  if (key.empty()) return;  // not a valid attribute; nothing to count
  if (max_length != SIZE_MAX) TruncateAttributeValue(value, max_length);
  if (!SetAttribute(attrs, key, std::move(value), max_count)) ++dropped;
}

// Every key non-empty and none twice (quadratic, like the inserts it saves, but without
// allocating).
bool DistinctNonEmptyKeys(const Attributes& attrs) {
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (attrs[i].first.empty()) return false;
    for (size_t j = 0; j < i; ++j) {
      if (attrs[j].first == attrs[i].first) return false;
    }
  }
  return true;
}

void PutAttributes(Attributes& dst, uint32_t& dropped, Attributes src, size_t max_count,
                   size_t max_length) {
  if (dst.empty() && src.size() <= max_count && DistinctNonEmptyKeys(src)) {
    // The common case of a span start: take the caller's vector as it is.
    if (max_length != SIZE_MAX) {
      for (auto& kv : src) TruncateAttributeValue(kv.second, max_length);
    }
    dst = std::move(src);
    return;
  }
  if (dst.empty()) dst.reserve(std::min(src.size(), max_count));
  for (auto& kv : src) {
    PutAttribute(dst, dropped, kv.first, std::move(kv.second), max_count, max_length);
  }
}

void AppendLink(SpanData& data, const SpanLimits& limits, const SpanContext& context,
                Attributes attributes) {
  if (!context.valid() && attributes.empty() && context.trace_state.empty()) return;
  if (data.links.size() >= limits.max_links) {
    ++data.dropped_links_count;
    return;
  }
  SpanLink link;
  link.context = context;
  PutAttributes(link.attributes, link.dropped_attributes_count, std::move(attributes),
                limits.max_attributes_per_link, limits.max_attribute_value_length);
  data.links.push_back(std::move(link));
}

}  // namespace

// ---- LiveSpan ----

LiveSpan::~LiveSpan() = default;

LiveSpan::LiveSpan(LiveSpan&& other) noexcept
    : core_(std::move(other.core_)),
      data_(std::move(other.data_)),
      console_(std::exchange(other.console_, nullptr)),
      context_(std::exchange(other.context_, SpanContext{})),
      mask_(std::exchange(other.mask_, 0)),
      ended_(std::exchange(other.ended_, true)) {}

LiveSpan& LiveSpan::operator=(LiveSpan&& other) noexcept {
  if (this != &other) {
    core_ = std::move(other.core_);
    data_ = std::move(other.data_);
    console_ = std::exchange(other.console_, nullptr);
    context_ = std::exchange(other.context_, SpanContext{});
    mask_ = std::exchange(other.mask_, 0);
    ended_ = std::exchange(other.ended_, true);
  }
  return *this;
}

void LiveSpan::SetAttribute(std::string_view key, AttributeValue value) {
  if (!data_) return;
  const SpanLimits& l = core_->limits;
  PutAttribute(data_->attributes, data_->dropped_attributes_count, key, std::move(value),
               l.max_attributes, l.max_attribute_value_length);
}

void LiveSpan::SetAttributes(Attributes attributes) {
  if (!data_) return;
  const SpanLimits& l = core_->limits;
  PutAttributes(data_->attributes, data_->dropped_attributes_count, std::move(attributes),
                l.max_attributes, l.max_attribute_value_length);
}

void LiveSpan::AddEvent(std::string name, Attributes attributes, uint64_t time_unix_nano) {
  if (!data_) return;
  const SpanLimits& l = core_->limits;
  if (data_->events.size() >= l.max_events) {
    ++data_->dropped_events_count;
    return;
  }
  SpanEvent event;
  event.name = std::move(name);
  event.time_unix_nano = time_unix_nano ? time_unix_nano : NowUnixNanos();
  PutAttributes(event.attributes, event.dropped_attributes_count, std::move(attributes),
                l.max_attributes_per_event, l.max_attribute_value_length);
  data_->events.push_back(std::move(event));
}

void LiveSpan::AddLink(const SpanContext& context, Attributes attributes) {
  if (!data_) return;
  AppendLink(*data_, core_->limits, context, std::move(attributes));
}

void LiveSpan::SetStatus(SpanStatusCode code, std::string_view description) {
  if (!data_ || code == SpanStatusCode::kUnset) return;
  if (data_->status_code == SpanStatusCode::kOk) return;  // final
  data_->status_code = code;
  if (code == SpanStatusCode::kError) {
    data_->status_message.assign(description.data(), description.size());
  } else {
    data_->status_message.clear();
  }
}

void LiveSpan::UpdateName(std::string name) {
  if (data_) data_->name = std::move(name);
}

void LiveSpan::RecordException(std::string type, std::string message, std::string stacktrace,
                               Attributes extra, bool escaped) {
  if (!data_) return;
  Attributes attrs;
  attrs.reserve(4 + extra.size());
  attrs.emplace_back("exception.type", std::move(type));
  attrs.emplace_back("exception.message", std::move(message));
  attrs.emplace_back("exception.stacktrace", std::move(stacktrace));
  if (escaped) attrs.emplace_back("exception.escaped", true);
  for (auto& kv : extra) ptx::SetAttribute(attrs, kv.first, std::move(kv.second));
  AddEvent(std::string(kExceptionEvent), std::move(attrs));
}

void LiveSpan::End(uint64_t end_time_unix_nano) {
  if (ended_) return;
  ended_ = true;
  if (!data_) return;
  data_->end_time_unix_nano = end_time_unix_nano ? end_time_unix_nano : NowUnixNanos();
  if (console_ && core_->running()) console_->OnSpanEnd(*data_);
  if (mask_ != 0) {
    auto& pipelines = core_->pipelines;
    int last = 0;
    for (int i = 0; i < static_cast<int>(kMaxPipelines); ++i) {
      if (mask_ & (1u << i)) last = i;
    }
    for (int i = 0; i < last; ++i) {
      if (mask_ & (1u << i)) pipelines[i].processor->OnEnd(std::make_unique<SpanData>(*data_));
    }
    pipelines[last].processor->OnEnd(std::move(data_));
  }
  data_.reset();
  console_ = nullptr;
  core_.reset();
}

// ---- Tracer ----

Result<std::unique_ptr<Tracer>> Tracer::Create(TracerOptions options) {
  if (options.pipelines.size() > kMaxPipelines) {
    return InvalidArgumentError("at most " + std::to_string(kMaxPipelines) +
                                " trace pipelines are supported, got " +
                                std::to_string(options.pipelines.size()));
  }
  for (size_t i = 0; i < options.pipelines.size(); ++i) {
    if (!options.pipelines[i].sampler || !options.pipelines[i].processor) {
      return InvalidArgumentError("trace pipeline " + std::to_string(i) +
                                  " needs a sampler and a processor");
    }
  }
  auto core = std::make_shared<internal::TracerCore>();
  core->resource = std::move(options.resource);
  core->limits = options.limits;
  core->pipelines = std::move(options.pipelines);
  return std::unique_ptr<Tracer>(new Tracer(std::move(core)));
}

Tracer::Tracer(std::shared_ptr<internal::TracerCore> core) : core_(std::move(core)) {}

Tracer::~Tracer() { Shutdown(SteadyClock::now() + std::chrono::seconds(30)); }

LiveSpan Tracer::StartSpan(StartSpanOptions o) {
  internal::TracerCore& core = *core_;
  LiveSpan span;
  const SpanContext* parent = (o.parent && o.parent->valid()) ? &*o.parent : nullptr;
  span.context_.trace_id = parent ? parent->trace_id : NewTraceId();
  span.context_.span_id = NewSpanId();
  if (parent) span.context_.trace_state = parent->trace_state;
  const uint8_t inherited_flags = parent ? (parent->trace_flags & ~kTraceFlagSampled) : 0;
  span.context_.trace_flags = inherited_flags;
  if (!core.running()) return span;

  uint8_t mask = 0;
  for (size_t i = 0; i < core.pipelines.size(); ++i) {
    if (core.pipelines[i].sampler->ShouldSample(parent, span.context_.trace_id)) {
      mask |= static_cast<uint8_t>(1u << i);
    }
  }
  // Console-only mode samples like the default parentbased_always_on, so that a service without
  // sinks neither starts unsampled traces nor flips its callers' decision downstream.
  const bool sampled = core.pipelines.empty() ? (!parent || parent->sampled()) : mask != 0;
  if (sampled) span.context_.trace_flags |= kTraceFlagSampled;

  ConsoleSink* console = core.console.load(std::memory_order_acquire);
  const bool print = console != nullptr && (mask != 0 || core.pipelines.empty()) &&
                     console->Enabled(ConsoleLevel::kError);
  if (mask == 0 && !print) return span;

  auto data = std::make_unique<SpanData>();
  data->context = span.context_;
  if (parent) {
    data->parent_span_id = parent->span_id;
    data->parent_is_remote = parent->is_remote;
  }
  data->scope = o.scope;
  data->name = std::move(o.name);
  data->kind = o.kind;
  data->start_time_unix_nano = o.start_time_unix_nano ? o.start_time_unix_nano : NowUnixNanos();
  const SpanLimits& l = core.limits;
  PutAttributes(data->attributes, data->dropped_attributes_count, std::move(o.attributes),
                l.max_attributes, l.max_attribute_value_length);
  for (auto& link : o.links) {
    AppendLink(*data, l, link.context, std::move(link.attributes));
  }

  span.core_ = core_;
  span.mask_ = mask;
  span.console_ = print ? console : nullptr;
  span.data_ = std::move(data);
  for (size_t i = 0; i < core.pipelines.size(); ++i) {
    if (mask & (1u << i)) core.pipelines[i].processor->OnStart(*span.data_);
  }
  if (print) console->OnSpanStart(*span.data_);
  return span;
}

void Tracer::SetConsole(std::shared_ptr<ConsoleSink> console) {
  internal::TracerCore& core = *core_;
  std::lock_guard<std::mutex> lock(core.console_mu);
  ConsoleSink* raw = console.get();
  if (console) {
    bool known = false;
    for (const auto& c : core.consoles) known = known || c.get() == raw;
    if (!known) core.consoles.push_back(std::move(console));
  }
  core.console.store(raw, std::memory_order_release);
}

bool Tracer::ForceFlush(SteadyClock::time_point deadline) {
  auto& pipelines = core_->pipelines;
  return ForAllPipelines(pipelines.size(),
                         [&](size_t i) { return pipelines[i].processor->ForceFlush(deadline); });
}

bool Tracer::Shutdown(SteadyClock::time_point deadline) {
  internal::TracerCore& core = *core_;
  int expected = internal::TracerCore::kRunning;
  if (!core.state.compare_exchange_strong(expected, internal::TracerCore::kShuttingDown)) {
    // Already done (the first result), or in progress in another thread (not known yet).
    return expected == internal::TracerCore::kShutOk;
  }
  auto& pipelines = core.pipelines;
  const bool ok = ForAllPipelines(
      pipelines.size(), [&](size_t i) { return pipelines[i].processor->Shutdown(deadline); });
  core.state.store(ok ? internal::TracerCore::kShutOk : internal::TracerCore::kShutFailed,
                   std::memory_order_release);
  return ok;
}

bool Tracer::is_shutdown() const { return !core_->running(); }

ProcessorStats Tracer::Stats() const {
  ProcessorStats total;
  for (const auto& s : PipelineStats()) {
    total.queued += s.queued;
    total.dropped += s.dropped;
    total.exported += s.exported;
    total.export_failures += s.export_failures;
  }
  return total;
}

std::vector<ProcessorStats> Tracer::PipelineStats() const {
  std::vector<ProcessorStats> out;
  out.reserve(core_->pipelines.size());
  for (const auto& p : core_->pipelines) out.push_back(p.processor->Stats());
  return out;
}

const Resource& Tracer::resource() const { return core_->resource; }
const SpanLimits& Tracer::limits() const { return core_->limits; }
size_t Tracer::pipeline_count() const { return core_->pipelines.size(); }

void Tracer::PrepareFork() {
  internal::TracerCore& core = *core_;
  core.console_mu.lock();
  for (auto& c : core.consoles) c->PrepareFork();
  for (auto& p : core.pipelines) p.processor->PrepareFork();
}

void Tracer::AfterForkParent() {
  internal::TracerCore& core = *core_;
  for (auto& p : core.pipelines) p.processor->AfterForkParent();
  for (auto& c : core.consoles) c->AfterForkParent();
  core.console_mu.unlock();
}

void Tracer::AfterForkChild() {
  internal::TracerCore& core = *core_;
  for (auto& p : core.pipelines) p.processor->AfterForkChild();
  for (auto& c : core.consoles) c->AfterForkChild();
  RefreshProcessPid(core.resource);
  core.console_mu.unlock();
}

}  // namespace ptx
