#include "store.h"

#include <algorithm>
#include <set>

#include "any_value.h"
#include "ptx/base/text.h"

namespace ptx::emulator {
namespace {

bool SpanHasAttribute(const SpanRecord& record, const std::string& key, const std::string& value) {
  for (const auto& kv : record.span.attributes()) {
    if (kv.key() == key && AnyValueToText(kv.value()) == value) return true;
  }
  if (record.resource) {
    for (const auto& kv : record.resource->resource.attributes()) {
      if (kv.key() == key && AnyValueToText(kv.value()) == value) return true;
    }
  }
  return false;
}

const std::string& ServiceOf(const SpanRecord& record) {
  static const std::string kEmpty;
  return record.resource ? record.resource->service_name : kEmpty;
}

TraceSummary Summarize(const std::string& trace_id, const std::deque<SpanPtr>& spans) {
  TraceSummary out;
  out.trace_id = trace_id;
  out.span_count = spans.size();
  const SpanRecord* root = nullptr;
  const SpanRecord* earliest = nullptr;
  std::set<std::string> services;
  bool first = true;
  for (const SpanPtr& record : spans) {
    const otlp_trace::Span& span = record->span;
    uint64_t start = span.start_time_unix_nano();
    uint64_t end = std::max(span.end_time_unix_nano(), start);
    if (first || start < out.start_ns) out.start_ns = start;
    if (first || end > out.end_ns) out.end_ns = end;
    first = false;
    if (span.status().code() == otlp_trace::Status::STATUS_CODE_ERROR) out.error = true;
    if (!ServiceOf(*record).empty()) services.insert(ServiceOf(*record));
    if (!earliest || start < earliest->span.start_time_unix_nano()) earliest = record.get();
    if (span.parent_span_id().empty() &&
        (!root || start < root->span.start_time_unix_nano())) {
      root = record.get();
    }
  }
  if (!root) root = earliest;
  if (root) {
    out.root_name = root->span.name();
    out.service = ServiceOf(*root);
  }
  out.services.assign(services.begin(), services.end());
  return out;
}

bool Matches(const TraceSummary& summary, const std::deque<SpanPtr>& spans,
             const TraceQuery& query) {
  if (query.error && summary.error != *query.error) return false;
  if (query.min_duration_ns && summary.end_ns - summary.start_ns < *query.min_duration_ns) {
    return false;
  }
  if (query.start_ns && summary.start_ns < *query.start_ns) return false;
  if (query.end_ns && summary.start_ns > *query.end_ns) return false;
  if (query.service && std::find(summary.services.begin(), summary.services.end(),
                                 *query.service) == summary.services.end()) {
    return false;
  }
  if (query.name && std::none_of(spans.begin(), spans.end(), [&](const SpanPtr& record) {
        return record->span.name() == *query.name;
      })) {
    return false;
  }
  for (const auto& [key, value] : query.attributes) {
    if (std::none_of(spans.begin(), spans.end(), [&, &key = key, &value = value](
                                                     const SpanPtr& record) {
          return SpanHasAttribute(*record, key, value);
        })) {
      return false;
    }
  }
  return true;
}

}  // namespace

void TraceTable::Add(std::vector<SpanRecord> records) {
  for (SpanRecord& record : records) {
    auto ptr = std::make_shared<const SpanRecord>(std::move(record));
    by_trace_[ptr->span.trace_id()].push_back(ptr);
    arrival_.push_back(std::move(ptr));
  }
  while (arrival_.size() > max_spans_) EvictOldest();
}

void TraceTable::EvictOldest() {
  SpanPtr oldest = std::move(arrival_.front());
  arrival_.pop_front();
  ++evicted_spans_;
  auto it = by_trace_.find(oldest->span.trace_id());
  if (it == by_trace_.end()) return;
  std::deque<SpanPtr>& spans = it->second;
  // Spans of a trace are kept in arrival order, so the oldest is normally at the front.
  auto pos = std::find(spans.begin(), spans.end(), oldest);
  if (pos != spans.end()) spans.erase(pos);
  if (spans.empty()) by_trace_.erase(it);
}

std::vector<TraceSummary> TraceTable::List(const TraceQuery& query, size_t* total) const {
  std::vector<TraceSummary> matched;
  for (const auto& [trace_id, spans] : by_trace_) {
    TraceSummary summary = Summarize(trace_id, spans);
    if (Matches(summary, spans, query)) matched.push_back(std::move(summary));
  }
  if (total) *total = matched.size();
  std::sort(matched.begin(), matched.end(), [](const TraceSummary& a, const TraceSummary& b) {
    if (a.start_ns != b.start_ns) return a.start_ns > b.start_ns;
    return a.trace_id < b.trace_id;
  });
  if (matched.size() > query.limit) matched.resize(query.limit);
  return matched;
}

std::vector<SpanPtr> TraceTable::Get(std::string_view trace_id) const {
  auto it = by_trace_.find(std::string(trace_id));
  if (it == by_trace_.end()) return {};
  std::vector<SpanPtr> spans(it->second.begin(), it->second.end());
  std::stable_sort(spans.begin(), spans.end(), [](const SpanPtr& a, const SpanPtr& b) {
    if (a->span.start_time_unix_nano() != b->span.start_time_unix_nano()) {
      return a->span.start_time_unix_nano() < b->span.start_time_unix_nano();
    }
    return a->span.span_id() < b->span.span_id();
  });
  return spans;
}

void TraceTable::Clear() {
  arrival_.clear();
  by_trace_.clear();
  evicted_spans_ = 0;
}

uint64_t LogTime(const otlp_logs::LogRecord& record) {
  return record.time_unix_nano() != 0 ? record.time_unix_nano()
                                      : record.observed_time_unix_nano();
}

void LogTable::Add(std::vector<LogRecordEntry> records) {
  for (LogRecordEntry& record : records) {
    arrival_.push_back(std::make_shared<const LogRecordEntry>(std::move(record)));
  }
  while (arrival_.size() > max_logs_) {
    arrival_.pop_front();
    ++evicted_;
  }
}

std::vector<LogPtr> LogTable::List(const LogQuery& query, size_t* total) const {
  std::string text = query.text ? AsciiLower(*query.text) : std::string();
  std::vector<LogPtr> matched;
  for (auto it = arrival_.rbegin(); it != arrival_.rend(); ++it) {
    const LogRecordEntry& entry = **it;
    const otlp_logs::LogRecord& record = entry.record;
    if (query.severity_min && static_cast<int>(record.severity_number()) < *query.severity_min) {
      continue;
    }
    if (query.trace_id && record.trace_id() != *query.trace_id) continue;
    if (query.service &&
        (!entry.resource || entry.resource->service_name != *query.service)) {
      continue;
    }
    if (query.text && AsciiLower(AnyValueToText(record.body())).find(text) == std::string::npos) {
      continue;
    }
    matched.push_back(*it);
  }
  if (total) *total = matched.size();
  std::stable_sort(matched.begin(), matched.end(), [](const LogPtr& a, const LogPtr& b) {
    return LogTime(a->record) > LogTime(b->record);
  });
  if (matched.size() > query.limit) matched.resize(query.limit);
  return matched;
}

void LogTable::Clear() {
  arrival_.clear();
  evicted_ = 0;
}

void Store::AddSpans(std::vector<SpanRecord> records) {
  std::lock_guard<std::mutex> lock(mu_);
  traces_.Add(std::move(records));
}

std::vector<TraceSummary> Store::ListTraces(const TraceQuery& query, size_t* total) const {
  std::lock_guard<std::mutex> lock(mu_);
  return traces_.List(query, total);
}

std::vector<SpanPtr> Store::GetTrace(std::string_view trace_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return traces_.Get(trace_id);
}

void Store::AddLogs(std::vector<LogRecordEntry> records) {
  std::lock_guard<std::mutex> lock(mu_);
  logs_.Add(std::move(records));
}

std::vector<LogPtr> Store::ListLogs(const LogQuery& query, size_t* total) const {
  std::lock_guard<std::mutex> lock(mu_);
  return logs_.List(query, total);
}

void Store::AddMetricPoints(std::vector<MetricPoint> points) {
  std::lock_guard<std::mutex> lock(mu_);
  metrics_.Add(std::move(points));
}

std::vector<MetricSeriesView> Store::ListMetrics(const MetricQuery& query, size_t* total) const {
  std::lock_guard<std::mutex> lock(mu_);
  return metrics_.List(query, total);
}

std::vector<std::string> Store::MetricNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  return metrics_.Names();
}

StoreCounts Store::Counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  StoreCounts counts;
  counts.spans = traces_.span_count();
  counts.traces = traces_.trace_count();
  counts.evicted_spans = traces_.evicted_spans();
  counts.logs = logs_.size();
  counts.evicted_logs = logs_.evicted();
  counts.metric_points = metrics_.point_count();
  counts.metric_series = metrics_.series_count();
  counts.evicted_metric_points = metrics_.evicted_points();
  return counts;
}

void Store::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  traces_.Clear();
  logs_.Clear();
  metrics_.Clear();
}

}  // namespace ptx::emulator
