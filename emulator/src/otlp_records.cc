#include "otlp_records.h"

#include <type_traits>
#include <utility>

#include "any_value.h"

namespace ptx::emulator {
namespace {

namespace otlp_metrics = ::opentelemetry::proto::metrics::v1;

constexpr size_t kTraceIdSize = 16;
constexpr size_t kSpanIdSize = 8;

bool IsValidId(const std::string& id, size_t size) {
  return id.size() == size && id.find_first_not_of('\0') != std::string::npos;
}

// Why a span cannot be stored, or nullptr. Ids are what every query keys on, so a span with
// a malformed id is refused (partial success) instead of being stored unreachable.
const char* SpanDefect(const otlp_trace::Span& span) {
  if (!IsValidId(span.trace_id(), kTraceIdSize)) return "trace_id must be 16 non-zero bytes";
  if (!IsValidId(span.span_id(), kSpanIdSize)) return "span_id must be 8 non-zero bytes";
  if (!span.parent_span_id().empty() && span.parent_span_id().size() != kSpanIdSize) {
    return "parent_span_id must be empty or 8 bytes";
  }
  return nullptr;
}

template <typename ResourceX>
std::shared_ptr<const ResourceInfo> TakeResource(ResourceX& resource_x) {
  auto resource = std::make_shared<ResourceInfo>();
  resource->resource.Swap(resource_x.mutable_resource());
  resource->schema_url = resource_x.schema_url();
  resource->service_name = FindStringAttribute(resource->resource.attributes(), "service.name");
  return resource;
}

template <typename ScopeX>
std::shared_ptr<const ScopeInfo> TakeScope(ScopeX& scope_x) {
  auto scope = std::make_shared<ScopeInfo>();
  scope->scope.Swap(scope_x.mutable_scope());
  scope->schema_url = scope_x.schema_url();
  return scope;
}

// The points of one Metric message, moved out of it, sharing one MetricInfo.
void AppendPoints(otlp_metrics::Metric& m, std::shared_ptr<const ResourceInfo> resource,
                  std::shared_ptr<const ScopeInfo> scope, std::shared_ptr<const Origin> origin,
                  std::vector<MetricPoint>* out) {
  auto info = std::make_shared<MetricInfo>();
  info->name = m.name();
  info->description = m.description();
  info->unit = m.unit();
  info->resource = std::move(resource);
  info->scope = std::move(scope);
  info->origin = std::move(origin);
  auto move_points = [&](auto* points) {
    std::shared_ptr<const MetricInfo> shared = info;
    for (auto& point : *points) {
      std::remove_reference_t<decltype(point)> moved;
      moved.Swap(&point);
      out->push_back(MakeMetricPoint(shared, std::move(moved)));
    }
  };
  switch (m.data_case()) {
    case otlp_metrics::Metric::kGauge:
      info->type = MetricType::kGauge;
      move_points(m.mutable_gauge()->mutable_data_points());
      break;
    case otlp_metrics::Metric::kSum:
      info->type = MetricType::kSum;
      info->temporality = TemporalityFromProto(m.sum().aggregation_temporality());
      info->monotonic = m.sum().is_monotonic();
      move_points(m.mutable_sum()->mutable_data_points());
      break;
    case otlp_metrics::Metric::kHistogram:
      info->type = MetricType::kHistogram;
      info->temporality = TemporalityFromProto(m.histogram().aggregation_temporality());
      move_points(m.mutable_histogram()->mutable_data_points());
      break;
    case otlp_metrics::Metric::kExponentialHistogram:
      info->type = MetricType::kExponentialHistogram;
      info->temporality =
          TemporalityFromProto(m.exponential_histogram().aggregation_temporality());
      move_points(m.mutable_exponential_histogram()->mutable_data_points());
      break;
    case otlp_metrics::Metric::kSummary:
      info->type = MetricType::kSummary;
      move_points(m.mutable_summary()->mutable_data_points());
      break;
    case otlp_metrics::Metric::DATA_NOT_SET:
      break;
  }
}

otlp_metrics::AggregationTemporality TemporalityToProto(Temporality t) {
  switch (t) {
    case Temporality::kDelta:
      return otlp_metrics::AGGREGATION_TEMPORALITY_DELTA;
    case Temporality::kCumulative:
      return otlp_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE;
    case Temporality::kUnspecified:
      break;
  }
  return otlp_metrics::AGGREGATION_TEMPORALITY_UNSPECIFIED;
}

void FillMetric(const MetricInfo& info, otlp_metrics::Metric* m) {
  m->set_name(info.name);
  m->set_description(info.description);
  m->set_unit(info.unit);
  switch (info.type) {
    case MetricType::kGauge:
      m->mutable_gauge();
      break;
    case MetricType::kSum:
      m->mutable_sum()->set_aggregation_temporality(TemporalityToProto(info.temporality));
      m->mutable_sum()->set_is_monotonic(info.monotonic);
      break;
    case MetricType::kHistogram:
      m->mutable_histogram()->set_aggregation_temporality(TemporalityToProto(info.temporality));
      break;
    case MetricType::kExponentialHistogram:
      m->mutable_exponential_histogram()->set_aggregation_temporality(
          TemporalityToProto(info.temporality));
      break;
    case MetricType::kSummary:
      m->mutable_summary();
      break;
  }
}

void AddPoint(const MetricPointData& data, otlp_metrics::Metric* m) {
  if (auto* p = std::get_if<otlp_metrics::NumberDataPoint>(&data)) {
    *(m->has_sum() ? m->mutable_sum()->add_data_points() : m->mutable_gauge()->add_data_points()) =
        *p;
  } else if (auto* h = std::get_if<otlp_metrics::HistogramDataPoint>(&data)) {
    *m->mutable_histogram()->add_data_points() = *h;
  } else if (auto* e = std::get_if<otlp_metrics::ExponentialHistogramDataPoint>(&data)) {
    *m->mutable_exponential_histogram()->add_data_points() = *e;
  } else if (auto* s = std::get_if<otlp_metrics::SummaryDataPoint>(&data)) {
    *m->mutable_summary()->add_data_points() = *s;
  }
}

// Appends to the last ResourceX/ScopeX of `out` while the record shares them, else opens new.
template <typename ResourceX, typename ScopeX>
ScopeX* Slot(google::protobuf::RepeatedPtrField<ResourceX>* resources,
             ScopeX* (ResourceX::*add_scope)(), const ResourceInfo* resource,
             const ScopeInfo* scope, const ResourceInfo** last_resource,
             const ScopeInfo** last_scope, ScopeX** last_slot) {
  if (*last_slot != nullptr && resource == *last_resource && scope == *last_scope) {
    return *last_slot;
  }
  ResourceX* resource_x = nullptr;
  if (!resources->empty() && resource == *last_resource) {
    resource_x = resources->Mutable(resources->size() - 1);
  } else {
    resource_x = resources->Add();
    if (resource) {
      *resource_x->mutable_resource() = resource->resource;
      resource_x->set_schema_url(resource->schema_url);
    }
  }
  ScopeX* scope_x = (resource_x->*add_scope)();
  if (scope) {
    *scope_x->mutable_scope() = scope->scope;
    scope_x->set_schema_url(scope->schema_url);
  }
  *last_resource = resource;
  *last_scope = scope;
  *last_slot = scope_x;
  return scope_x;
}

}  // namespace

std::vector<SpanRecord> SpansFromRequest(
    std::shared_ptr<collector_trace::ExportTraceServiceRequest> request,
    std::shared_ptr<const Origin> origin, SplitOutcome* outcome) {
  std::vector<SpanRecord> records;
  size_t count = 0;  // one allocation for the batch: a growing vector would move every record
  for (const auto& resource_spans : request->resource_spans()) {
    for (const auto& scope_spans : resource_spans.scope_spans()) count += scope_spans.spans_size();
  }
  records.reserve(count);
  for (auto& resource_spans : *request->mutable_resource_spans()) {
    std::shared_ptr<const ResourceInfo> resource = TakeResource(resource_spans);
    for (auto& scope_spans : *resource_spans.mutable_scope_spans()) {
      std::shared_ptr<const ScopeInfo> scope = TakeScope(scope_spans);
      for (auto& span : *scope_spans.mutable_spans()) {
        if (const char* defect = SpanDefect(span)) {
          if (outcome->rejected++ == 0) outcome->first_defect = defect;
          continue;
        }
        SpanRecord record(std::shared_ptr<otlp_trace::Span>(request, &span));
        record.resource = resource;
        record.scope = scope;
        record.origin = origin;
        records.push_back(std::move(record));
      }
    }
  }
  return records;
}

std::vector<LogRecordEntry> LogsFromRequest(
    std::shared_ptr<collector_logs::ExportLogsServiceRequest> request,
    std::shared_ptr<const Origin> origin) {
  std::vector<LogRecordEntry> records;
  size_t count = 0;
  for (const auto& resource_logs : request->resource_logs()) {
    for (const auto& scope_logs : resource_logs.scope_logs()) count += scope_logs.log_records_size();
  }
  records.reserve(count);
  for (auto& resource_logs : *request->mutable_resource_logs()) {
    std::shared_ptr<const ResourceInfo> resource = TakeResource(resource_logs);
    for (auto& scope_logs : *resource_logs.mutable_scope_logs()) {
      std::shared_ptr<const ScopeInfo> scope = TakeScope(scope_logs);
      for (auto& log_record : *scope_logs.mutable_log_records()) {
        LogRecordEntry entry(std::shared_ptr<otlp_logs::LogRecord>(request, &log_record));
        entry.resource = resource;
        entry.scope = scope;
        entry.origin = origin;
        records.push_back(std::move(entry));
      }
    }
  }
  return records;
}

std::vector<MetricPoint> PointsFromRequest(
    collector_metrics::ExportMetricsServiceRequest& request, std::shared_ptr<const Origin> origin) {
  std::vector<MetricPoint> points;
  for (auto& resource_metrics : *request.mutable_resource_metrics()) {
    std::shared_ptr<const ResourceInfo> resource = TakeResource(resource_metrics);
    for (auto& scope_metrics : *resource_metrics.mutable_scope_metrics()) {
      std::shared_ptr<const ScopeInfo> scope = TakeScope(scope_metrics);
      for (auto& metric : *scope_metrics.mutable_metrics()) {
        AppendPoints(metric, resource, scope, origin, &points);
      }
    }
  }
  return points;
}

collector_trace::ExportTraceServiceRequest SpansToRequest(
    const std::vector<const SpanRecord*>& records) {
  collector_trace::ExportTraceServiceRequest out;
  const ResourceInfo* last_resource = nullptr;
  const ScopeInfo* last_scope = nullptr;
  otlp_trace::ScopeSpans* slot = nullptr;
  for (const SpanRecord* record : records) {
    otlp_trace::ScopeSpans* scope_spans =
        Slot(out.mutable_resource_spans(), &otlp_trace::ResourceSpans::add_scope_spans,
             record->resource.get(), record->scope.get(), &last_resource, &last_scope, &slot);
    *scope_spans->add_spans() = record->span();
  }
  return out;
}

collector_logs::ExportLogsServiceRequest LogsToRequest(
    const std::vector<const LogRecordEntry*>& records) {
  collector_logs::ExportLogsServiceRequest out;
  const ResourceInfo* last_resource = nullptr;
  const ScopeInfo* last_scope = nullptr;
  otlp_logs::ScopeLogs* slot = nullptr;
  for (const LogRecordEntry* record : records) {
    otlp_logs::ScopeLogs* scope_logs =
        Slot(out.mutable_resource_logs(), &otlp_logs::ResourceLogs::add_scope_logs,
             record->resource.get(), record->scope.get(), &last_resource, &last_scope, &slot);
    *scope_logs->add_log_records() = record->record();
  }
  return out;
}

collector_metrics::ExportMetricsServiceRequest PointsToRequest(
    const std::vector<const MetricPoint*>& points) {
  collector_metrics::ExportMetricsServiceRequest out;
  const ResourceInfo* last_resource = nullptr;
  const ScopeInfo* last_scope = nullptr;
  otlp_metrics::ScopeMetrics* slot = nullptr;
  const MetricInfo* last_metric = nullptr;
  otlp_metrics::Metric* metric = nullptr;
  for (const MetricPoint* point : points) {
    const MetricInfo& info = *point->metric;
    otlp_metrics::ScopeMetrics* scope_metrics =
        Slot(out.mutable_resource_metrics(), &otlp_metrics::ResourceMetrics::add_scope_metrics,
             info.resource.get(), info.scope.get(), &last_resource, &last_scope, &slot);
    if (metric == nullptr || &info != last_metric ||
        scope_metrics->metrics_size() == 0 ||
        metric != scope_metrics->mutable_metrics(scope_metrics->metrics_size() - 1)) {
      metric = scope_metrics->add_metrics();
      FillMetric(info, metric);
      last_metric = &info;
    }
    AddPoint(point->data, metric);
  }
  return out;
}

}  // namespace ptx::emulator
