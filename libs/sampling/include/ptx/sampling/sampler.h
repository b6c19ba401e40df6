// Head sampling: decides when a span starts whether it is recorded and exported, with the
// OpenTelemetry samplers (always_on, always_off, traceidratio and the parent-based variants).
//
//   auto sampler = ptx::MakeSampler("parentbased_traceidratio", 0.25);
//   if (sampler.ok() && (*sampler)->ShouldSample(parent, trace_id)) record();
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ptx/base/status.h"
#include "ptx/context/span_context.h"

namespace ptx {

// Every sampler is immutable once built: ShouldSample may run on any number of threads at once.
class Sampler {
 public:
  virtual ~Sampler() = default;
  // parent: nullptr for a root span; parent->is_remote tells a remote parent from a local one.
  // An invalid parent context counts as no parent.
  virtual bool ShouldSample(const SpanContext* parent, const TraceId& trace_id) const = 0;
  // As opentelemetry-python writes it, e.g. "TraceIdRatioBased{0.25}".
  virtual std::string Description() const = 0;
};

class AlwaysOnSampler final : public Sampler {
 public:
  bool ShouldSample(const SpanContext* parent, const TraceId& trace_id) const override;
  std::string Description() const override;
};

class AlwaysOffSampler final : public Sampler {
 public:
  bool ShouldSample(const SpanContext* parent, const TraceId& trace_id) const override;
  std::string Description() const override;
};

// Samples iff trace_id.Low64() < round(ratio * 2^64), opentelemetry-python's rule, so that both
// SDKs agree on the same trace. The parent is ignored.
class TraceIdRatioBasedSampler final : public Sampler {
 public:
  // ratio is clamped to [0, 1] (NaN counts as 0); MakeSampler rejects such values instead.
  explicit TraceIdRatioBasedSampler(double ratio);

  double ratio() const { return ratio_; }
  bool ShouldSample(const SpanContext* parent, const TraceId& trace_id) const override;
  std::string Description() const override;

 private:
  double ratio_;
  bool sample_all_;  // ratio 1: the bound 2^64 does not fit in 64 bits
  uint64_t bound_;
};

// Delegates by parent: none → root; remote sampled / not sampled; local sampled / not sampled.
// A null delegate takes the default: AlwaysOn for a sampled parent, AlwaysOff otherwise.
class ParentBasedSampler final : public Sampler {
 public:
  explicit ParentBasedSampler(std::unique_ptr<Sampler> root,
                              std::unique_ptr<Sampler> remote_parent_sampled = nullptr,
                              std::unique_ptr<Sampler> remote_parent_not_sampled = nullptr,
                              std::unique_ptr<Sampler> local_parent_sampled = nullptr,
                              std::unique_ptr<Sampler> local_parent_not_sampled = nullptr);

  bool ShouldSample(const SpanContext* parent, const TraceId& trace_id) const override;
  std::string Description() const override;

 private:
  std::unique_ptr<Sampler> root_;
  std::unique_ptr<Sampler> remote_parent_sampled_;
  std::unique_ptr<Sampler> remote_parent_not_sampled_;
  std::unique_ptr<Sampler> local_parent_sampled_;
  std::unique_ptr<Sampler> local_parent_not_sampled_;
};

// Builds a sampler from its OTEL_TRACES_SAMPLER name (case-insensitive): always_on, always_off,
// traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio and the
// alias parent_based_traceid_ratio. arg is the ratio (default 1.0), ignored by other samplers.
// Errors (InvalidArgument): "unknown sampler '<name>'", "sampler_arg must be between 0 and 1".
Result<std::unique_ptr<Sampler>> MakeSampler(std::string_view name, std::optional<double> arg);

}  // namespace ptx
