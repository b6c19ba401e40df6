#include "metric_table.h"

#include <algorithm>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "any_value.h"

namespace ptx::emulator {
namespace {

// The text form of attribute `key` (its last occurrence), or nullopt when absent.
std::optional<std::string> AttributeText(
    const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& attributes,
    const std::string& key) {
  for (auto it = attributes.rbegin(); it != attributes.rend(); ++it) {
    if (it->key() == key) return AnyValueToText(it->value());
  }
  return std::nullopt;
}

const std::string& ServiceOf(const MetricInfo& metric) {
  static const std::string kEmpty;
  return metric.resource ? metric.resource->service_name : kEmpty;
}

const std::string& ScopeNameOf(const MetricInfo& metric) {
  static const std::string kEmpty;
  return metric.scope ? metric.scope->scope.name() : kEmpty;
}

// Every point of a series has the same identity, so its newest point decides.
bool Matches(const MetricPoint& newest, const MetricQuery& query) {
  const MetricInfo& metric = *newest.metric;
  if (query.name && metric.name != *query.name) return false;
  if (query.service && ServiceOf(metric) != *query.service) return false;
  const auto& attributes = PointAttributes(newest.data);
  for (const auto& [key, value] : query.attributes) {
    std::optional<std::string> text = AttributeText(attributes, key);
    if (!text || *text != value) return false;
  }
  return true;
}

}  // namespace

const char* MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kSum:
      return "sum";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kExponentialHistogram:
      return "exponential_histogram";
    case MetricType::kSummary:
      return "summary";
  }
  return "gauge";
}

const char* TemporalityName(Temporality temporality) {
  switch (temporality) {
    case Temporality::kDelta:
      return "delta";
    case Temporality::kCumulative:
      return "cumulative";
    case Temporality::kUnspecified:
      break;
  }
  return "unspecified";
}

Temporality TemporalityFromProto(otlp_metrics::AggregationTemporality temporality) {
  switch (temporality) {
    case otlp_metrics::AGGREGATION_TEMPORALITY_DELTA:
      return Temporality::kDelta;
    case otlp_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE:
      return Temporality::kCumulative;
    default:
      return Temporality::kUnspecified;
  }
}

const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& PointAttributes(
    const MetricPointData& data) {
  return std::visit(
      [](const auto& point) -> const google::protobuf::RepeatedPtrField<otlp_common::KeyValue>& {
        return point.attributes();
      },
      data);
}

uint64_t PointStartTime(const MetricPointData& data) {
  return std::visit([](const auto& point) { return point.start_time_unix_nano(); }, data);
}

uint64_t PointTime(const MetricPointData& data) {
  return std::visit([](const auto& point) { return point.time_unix_nano(); }, data);
}

MetricPoint MakeMetricPoint(std::shared_ptr<const MetricInfo> metric, MetricPointData data) {
  MetricPoint point;
  // A JSON array keeps the parts unambiguous; AttributesToTypedJson sorts keys (std::map) and
  // keeps a repeated key's last value, and typed values keep int 5 apart from string "5".
  nlohmann::json key = nlohmann::json::array(
      {ServiceOf(*metric), ScopeNameOf(*metric), metric->name, MetricTypeName(metric->type),
       TemporalityName(metric->temporality), AttributesToTypedJson(PointAttributes(data))});
  point.series_key = key.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  point.metric = std::move(metric);
  point.data = std::move(data);
  return point;
}

void MetricTable::Add(std::vector<MetricPoint> points) {
  for (MetricPoint& point : points) {
    point.bytes = std::visit([](const auto& p) { return p.ByteSizeLong(); }, point.data);
    bytes_ += point.bytes;
    auto ptr = std::make_shared<const MetricPoint>(std::move(point));
    series_[ptr->series_key].push_back(ptr);
    arrival_.push_back(std::move(ptr));
  }
  while (arrival_.size() > max_points_ || (bytes_ > max_bytes_ && arrival_.size() > 1)) {
    MetricPointPtr oldest = std::move(arrival_.front());
    arrival_.pop_front();
    ++evicted_;
    bytes_ -= oldest->bytes;
    evicted_bytes_ += oldest->bytes;
    auto it = series_.find(oldest->series_key);
    if (it == series_.end()) continue;
    std::deque<MetricPointPtr>& series = it->second;
    if (!series.empty() && series.front() == oldest) series.pop_front();
    if (series.empty()) series_.erase(it);
  }
}

std::vector<MetricSeriesView> MetricTable::List(const MetricQuery& query, size_t* total) const {
  using Entry = std::pair<const std::string*, const std::deque<MetricPointPtr>*>;
  std::vector<Entry> matched;
  for (const auto& [key, points] : series_) {
    if (Matches(*points.back(), query)) matched.emplace_back(&key, &points);
  }
  if (total) *total = matched.size();
  auto order = [](const Entry& entry) {
    const MetricInfo& m = *entry.second->back()->metric;
    return std::tie(m.name, ServiceOf(m), ScopeNameOf(m), m.type, m.temporality, *entry.first);
  };
  std::sort(matched.begin(), matched.end(),
            [&](const Entry& a, const Entry& b) { return order(a) < order(b); });
  if (matched.size() > query.limit) matched.resize(query.limit);
  std::vector<MetricSeriesView> out;
  out.reserve(matched.size());
  for (const Entry& entry : matched) {
    out.push_back(MetricSeriesView{{entry.second->begin(), entry.second->end()}});
  }
  return out;
}

std::vector<std::string> MetricTable::Names() const {
  std::set<std::string> names;
  for (const auto& [key, points] : series_) names.insert(points.back()->metric->name);
  return {names.begin(), names.end()};
}

void MetricTable::Clear() {
  arrival_.clear();
  series_.clear();
  evicted_ = 0;
  bytes_ = 0;
  evicted_bytes_ = 0;
}

}  // namespace ptx::emulator
