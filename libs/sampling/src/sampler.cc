#include "ptx/sampling/sampler.h"

#include <charconv>
#include <cmath>
#include <utility>

#include "ptx/base/text.h"

namespace ptx {
namespace {

// Shortest round-trip form, with ".0" for whole numbers as Python's repr writes them.
std::string FormatRatio(double ratio) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), ratio);
  std::string text(buffer, ec == std::errc() ? end : buffer);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

std::unique_ptr<Sampler> OrDefault(std::unique_ptr<Sampler> sampler, bool on) {
  if (sampler != nullptr) return sampler;
  if (on) return std::make_unique<AlwaysOnSampler>();
  return std::make_unique<AlwaysOffSampler>();
}

}  // namespace

bool AlwaysOnSampler::ShouldSample(const SpanContext*, const TraceId&) const { return true; }
std::string AlwaysOnSampler::Description() const { return "AlwaysOnSampler"; }

bool AlwaysOffSampler::ShouldSample(const SpanContext*, const TraceId&) const { return false; }
std::string AlwaysOffSampler::Description() const { return "AlwaysOffSampler"; }

TraceIdRatioBasedSampler::TraceIdRatioBasedSampler(double ratio)
    : ratio_(std::isnan(ratio) ? 0.0 : std::fmin(std::fmax(ratio, 0.0), 1.0)),
      sample_all_(ratio_ >= 1.0),
      // ratio * 2^64 is exact in a double; nearbyint rounds half to even like Python's round().
      // Below 1 the product is at most 2^64 - 2^11, so the conversion cannot overflow.
      bound_(sample_all_ ? 0 : static_cast<uint64_t>(std::nearbyint(std::ldexp(ratio_, 64)))) {}

bool TraceIdRatioBasedSampler::ShouldSample(const SpanContext*, const TraceId& trace_id) const {
  return sample_all_ || trace_id.Low64() < bound_;
}

std::string TraceIdRatioBasedSampler::Description() const {
  return "TraceIdRatioBased{" + FormatRatio(ratio_) + "}";
}

ParentBasedSampler::ParentBasedSampler(std::unique_ptr<Sampler> root,
                                       std::unique_ptr<Sampler> remote_parent_sampled,
                                       std::unique_ptr<Sampler> remote_parent_not_sampled,
                                       std::unique_ptr<Sampler> local_parent_sampled,
                                       std::unique_ptr<Sampler> local_parent_not_sampled)
    : root_(OrDefault(std::move(root), true)),
      remote_parent_sampled_(OrDefault(std::move(remote_parent_sampled), true)),
      remote_parent_not_sampled_(OrDefault(std::move(remote_parent_not_sampled), false)),
      local_parent_sampled_(OrDefault(std::move(local_parent_sampled), true)),
      local_parent_not_sampled_(OrDefault(std::move(local_parent_not_sampled), false)) {}

bool ParentBasedSampler::ShouldSample(const SpanContext* parent, const TraceId& trace_id) const {
  const Sampler* delegate;
  if (parent == nullptr || !parent->valid()) {
    delegate = root_.get();
  } else if (parent->is_remote) {
    delegate = parent->sampled() ? remote_parent_sampled_.get() : remote_parent_not_sampled_.get();
  } else {
    delegate = parent->sampled() ? local_parent_sampled_.get() : local_parent_not_sampled_.get();
  }
  return delegate->ShouldSample(parent, trace_id);
}

std::string ParentBasedSampler::Description() const {
  return "ParentBased{root:" + root_->Description() +
         ",remoteParentSampled:" + remote_parent_sampled_->Description() +
         ",remoteParentNotSampled:" + remote_parent_not_sampled_->Description() +
         ",localParentSampled:" + local_parent_sampled_->Description() +
         ",localParentNotSampled:" + local_parent_not_sampled_->Description() + "}";
}

Result<std::unique_ptr<Sampler>> MakeSampler(std::string_view name, std::optional<double> arg) {
  struct Known {
    std::string_view name;
    std::string_view delegate;
    bool parent_based;
  };
  static constexpr Known kKnown[] = {
      {"always_on", "always_on", false},
      {"always_off", "always_off", false},
      {"traceidratio", "traceidratio", false},
      {"parentbased_always_on", "always_on", true},
      {"parentbased_always_off", "always_off", true},
      {"parentbased_traceidratio", "traceidratio", true},
      {"parent_based_traceid_ratio", "traceidratio", true},
  };
  const std::string lower = AsciiLower(TrimSpaces(name));
  const Known* known = nullptr;
  for (const Known& k : kKnown) {
    if (k.name == lower) known = &k;
  }
  if (known == nullptr) return InvalidArgumentError("unknown sampler '" + std::string(name) + "'");

  std::unique_ptr<Sampler> sampler;
  if (known->delegate == "always_on") {
    sampler = std::make_unique<AlwaysOnSampler>();
  } else if (known->delegate == "always_off") {
    sampler = std::make_unique<AlwaysOffSampler>();
  } else {
    double ratio = arg.value_or(1.0);
    if (!(ratio >= 0.0 && ratio <= 1.0)) {  // also rejects NaN
      return InvalidArgumentError("sampler_arg must be between 0 and 1");
    }
    sampler = std::make_unique<TraceIdRatioBasedSampler>(ratio);
  }
  if (known->parent_based) sampler = std::make_unique<ParentBasedSampler>(std::move(sampler));
  return sampler;
}

}  // namespace ptx
