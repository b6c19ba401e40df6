#include "ptx/sdk/metrics/metric_reader.h"

#include "provider_core.h"

namespace ptx {

AggregationTemporality TemporalityFor(InstrumentKind kind, TemporalityPreference preference) {
  switch (kind) {
    case InstrumentKind::kGauge:
    case InstrumentKind::kObservableGauge:
      return AggregationTemporality::kUnspecified;
    case InstrumentKind::kUpDownCounter:
    case InstrumentKind::kObservableUpDownCounter:
      return AggregationTemporality::kCumulative;
    case InstrumentKind::kCounter:
    case InstrumentKind::kHistogram:
      return preference == TemporalityPreference::kCumulative ? AggregationTemporality::kCumulative
                                                              : AggregationTemporality::kDelta;
    case InstrumentKind::kObservableCounter:
      return preference == TemporalityPreference::kDelta ? AggregationTemporality::kDelta
                                                         : AggregationTemporality::kCumulative;
  }
  return AggregationTemporality::kCumulative;
}

MetricReader::MetricReader(TemporalityPreference preference)
    : preference_(preference), link_(std::make_shared<metrics_internal::ReaderLink>()) {}

MetricReader::~MetricReader() = default;

std::vector<ScopeMetrics> MetricReader::Collect() { return link_->Collect(); }

bool MetricReader::Shutdown(SteadyClock::time_point deadline) {
  std::lock_guard<std::mutex> lock(link_->mu);
  link_->shut_down = true;
  return true;
}

void MetricReader::PrepareFork() { link_->mu.lock(); }
void MetricReader::AfterForkParent() { link_->mu.unlock(); }
void MetricReader::AfterForkChild() { link_->mu.unlock(); }

}  // namespace ptx
