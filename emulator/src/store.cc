#include "store.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "any_value.h"
#include "journal.h"
#include "ptx/base/text.h"

namespace ptx::emulator {
namespace {

bool SpanHasAttribute(const SpanRecord& record, const std::string& key, const std::string& value) {
  for (const auto& kv : record.span().attributes()) {
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

TraceSummary Summarize(const std::string& trace_id, const TraceSpans& spans) {
  TraceSummary out;
  out.trace_id = trace_id;
  out.span_count = spans.size();
  const SpanRecord* root = nullptr;
  const SpanRecord* earliest = nullptr;
  std::set<std::string> services;
  bool first = true;
  for (const SpanPtr& record : spans) {
    const otlp_trace::Span& span = record->span();
    uint64_t start = span.start_time_unix_nano();
    uint64_t end = std::max(span.end_time_unix_nano(), start);
    if (first || start < out.start_ns) out.start_ns = start;
    if (first || end > out.end_ns) out.end_ns = end;
    first = false;
    if (span.status().code() == otlp_trace::Status::STATUS_CODE_ERROR) out.error = true;
    if (!ServiceOf(*record).empty()) services.insert(ServiceOf(*record));
    if (!earliest || start < earliest->span().start_time_unix_nano()) earliest = record.get();
    if (span.parent_span_id().empty() &&
        (!root || start < root->span().start_time_unix_nano())) {
      root = record.get();
    }
  }
  if (!root) root = earliest;
  if (root) {
    out.root_name = root->span().name();
    out.service = ServiceOf(*root);
  }
  out.services.assign(services.begin(), services.end());
  return out;
}

bool Matches(const TraceSummary& summary, const TraceSpans& spans,
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
        return record->span().name() == *query.name;
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

TraceKey::TraceKey(std::string_view id) : size_(id.size()) {
  if (id.size() <= sizeof(inline_)) {
    std::memcpy(inline_, id.data(), id.size());
  } else {
    long_ = std::make_shared<const std::string>(id);
  }
}

size_t TraceKeyHash::operator()(const TraceKey& key) const noexcept {
  std::string_view id = key.view();
  if (id.size() != 16) return std::hash<std::string_view>()(id);
  uint64_t lo;
  uint64_t hi;
  std::memcpy(&lo, id.data(), 8);
  std::memcpy(&hi, id.data() + 8, 8);
  // A multiply folds every byte into the high bits; the shift brings them down to the bucket
  // index (ids from a client are not guaranteed random).
  uint64_t h = (lo ^ (hi * 0x9E3779B97F4A7C15ULL)) * 0xC2B2AE3D27D4EB4FULL;
  return static_cast<size_t>(h ^ (h >> 32));
}

void TraceTable::Add(std::vector<SpanRecord> records) {
  if (by_trace_.capacity() < 1024) by_trace_.reserve(std::min<size_t>(max_spans_, 1 << 16));
  // The batch is one allocation; each stored pointer aliases its record in it.
  auto batch = std::make_shared<std::vector<SpanRecord>>(std::move(records));
  for (SpanRecord& record : *batch) {
    record.bytes = record.span().ByteSizeLong();
    record.trace_key = TraceKey(record.span().trace_id());
    bytes_ += record.bytes;
    SpanPtr ptr(batch, &record);
    by_trace_[record.trace_key].spans.push_back(ptr);
    arrival_.push_back(std::move(ptr));
  }
  while (arrival_.size() > max_spans_ || (bytes_ > max_bytes_ && arrival_.size() > 1)) {
    EvictOldest();
  }
}

void TraceTable::EvictOldest() {
  SpanPtr oldest = std::move(arrival_.front());
  arrival_.pop_front();
  ++evicted_spans_;
  bytes_ -= oldest->bytes;
  evicted_bytes_ += oldest->bytes;
  auto it = by_trace_.find(oldest->trace_key);
  if (it == by_trace_.end()) return;
  TraceSpans& trace = it->second;
  // Spans of a trace are kept in arrival order, so the oldest is at the front.
  if (trace.size() > 0 && trace.spans[trace.head] == oldest) {
    trace.spans[trace.head++].reset();
  } else {
    auto pos = std::find(trace.begin(), trace.end(), oldest);
    if (pos != trace.end()) trace.spans.erase(pos);
  }
  if (trace.size() == 0) {
    by_trace_.erase(it);
  } else if (trace.head * 2 >= trace.spans.size()) {
    trace.spans.erase(trace.spans.begin(),
                      trace.spans.begin() + static_cast<std::ptrdiff_t>(trace.head));
    trace.head = 0;
  }
}

std::vector<TraceSummary> TraceTable::List(const TraceQuery& query, size_t* total) const {
  std::vector<TraceSummary> matched;
  for (const auto& [trace_id, spans] : by_trace_) {
    TraceSummary summary = Summarize(std::string(trace_id.view()), spans);
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
  auto it = by_trace_.find(TraceKey(trace_id));
  if (it == by_trace_.end()) return {};
  std::vector<SpanPtr> spans(it->second.begin(), it->second.end());
  std::stable_sort(spans.begin(), spans.end(), [](const SpanPtr& a, const SpanPtr& b) {
    if (a->span().start_time_unix_nano() != b->span().start_time_unix_nano()) {
      return a->span().start_time_unix_nano() < b->span().start_time_unix_nano();
    }
    return a->span().span_id() < b->span().span_id();
  });
  return spans;
}

void TraceTable::Clear() {
  arrival_.clear();
  by_trace_.clear();
  evicted_spans_ = 0;
  bytes_ = 0;
  evicted_bytes_ = 0;
}

uint64_t LogTime(const otlp_logs::LogRecord& record) {
  return record.time_unix_nano() != 0 ? record.time_unix_nano()
                                      : record.observed_time_unix_nano();
}

void LogTable::Add(std::vector<LogRecordEntry> records) {
  auto batch = std::make_shared<std::vector<LogRecordEntry>>(std::move(records));
  for (LogRecordEntry& record : *batch) {
    record.bytes = record.record().ByteSizeLong();
    bytes_ += record.bytes;
    arrival_.push_back(LogPtr(batch, &record));
  }
  while (arrival_.size() > max_logs_ || (bytes_ > max_bytes_ && arrival_.size() > 1)) {
    bytes_ -= arrival_.front()->bytes;
    evicted_bytes_ += arrival_.front()->bytes;
    arrival_.pop_front();
    ++evicted_;
  }
}

std::vector<LogPtr> LogTable::List(const LogQuery& query, size_t* total) const {
  std::string text = query.text ? AsciiLower(*query.text) : std::string();
  std::vector<LogPtr> matched;
  for (auto it = arrival_.rbegin(); it != arrival_.rend(); ++it) {
    const LogRecordEntry& entry = **it;
    const otlp_logs::LogRecord& record = entry.record();
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
    return LogTime(a->record()) > LogTime(b->record());
  });
  if (matched.size() > query.limit) matched.resize(query.limit);
  return matched;
}

void LogTable::Clear() {
  arrival_.clear();
  evicted_ = 0;
  bytes_ = 0;
  evicted_bytes_ = 0;
}

void Store::set_journal(Journal* journal) {
  std::lock_guard<std::mutex> lock(mu_);
  journal_ = journal;
}

Status Store::Commit(uint64_t ticket) {
  if (ticket == 0) return Status::Ok();
  Journal* journal = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    journal = journal_;
  }
  return journal ? journal->Commit(ticket) : Status::Ok();
}

template <typename Record>
std::vector<const Record*> Pointers(const std::vector<Record>& records) {
  std::vector<const Record*> out;
  out.reserve(records.size());
  for (const Record& record : records) out.push_back(&record);
  return out;
}

Status Store::AddSpans(std::vector<SpanRecord> records) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Encoded under the lock only when journaling; the table moves the records out after.
    if (journal_) ticket = journal_->Record(EncodeSpansRecord(Pointers(records)));
    traces_.Add(std::move(records));
  }
  return Commit(ticket);
}
std::vector<TraceSummary> Store::ListTraces(const TraceQuery& query, size_t* total) const {
  std::lock_guard<std::mutex> lock(mu_);
  return traces_.List(query, total);
}

std::vector<SpanPtr> Store::GetTrace(std::string_view trace_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return traces_.Get(trace_id);
}

Status Store::AddLogs(std::vector<LogRecordEntry> records) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (journal_) ticket = journal_->Record(EncodeLogsRecord(Pointers(records)));
    logs_.Add(std::move(records));
  }
  return Commit(ticket);
}

std::vector<LogPtr> Store::ListLogs(const LogQuery& query, size_t* total) const {
  std::lock_guard<std::mutex> lock(mu_);
  return logs_.List(query, total);
}

Status Store::AddMetricPoints(std::vector<MetricPoint> points) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (journal_) ticket = journal_->Record(EncodePointsRecord(Pointers(points)));
    metrics_.Add(std::move(points));
  }
  return Commit(ticket);
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
  counts.span_bytes = traces_.bytes();
  counts.evicted_span_bytes = traces_.evicted_bytes();
  counts.log_bytes = logs_.bytes();
  counts.evicted_log_bytes = logs_.evicted_bytes();
  counts.metric_point_bytes = metrics_.bytes();
  counts.evicted_metric_point_bytes = metrics_.evicted_bytes();
  return counts;
}

Status Store::Clear() {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (journal_) ticket = journal_->Record(EncodeStoreClearRecord());
    traces_.Clear();
    logs_.Clear();
    metrics_.Clear();
  }
  return Commit(ticket);
}

StoreDump Store::Dump(const std::function<void()>& under_lock) const {
  std::lock_guard<std::mutex> lock(mu_);
  StoreDump out;
  out.spans.assign(traces_.arrival().begin(), traces_.arrival().end());
  out.logs.assign(logs_.arrival().begin(), logs_.arrival().end());
  out.points.assign(metrics_.arrival().begin(), metrics_.arrival().end());
  if (under_lock) under_lock();
  return out;
}

}  // namespace ptx::emulator
