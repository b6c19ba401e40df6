// The emulator's in-memory store: one table per signal, bounded, oldest evicted first.
//
//   Store store(StoreOptions{.max_spans = 1000});
//   store.AddSpans(std::move(records));
//   std::vector<TraceSummary> found = store.ListTraces(TraceQuery{.service = "checkout"}, &total);
//   std::vector<LogPtr> logs = store.ListLogs(LogQuery{.severity_min = 17}, &total);
//   std::vector<MetricSeriesView> series = store.ListMetrics(MetricQuery{.name = "m"}, &total);
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "metric_table.h"
#include "ptx/base/status.h"
#include "opentelemetry/proto/logs/v1/logs.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "resource_scope.h"
#include "stats.h"
#include "thread_annotations.h"

namespace ptx::emulator {

namespace otlp_trace = ::opentelemetry::proto::trace::v1;
namespace otlp_logs = ::opentelemetry::proto::logs::v1;

// A trace id as the index key. Valid ids (16 bytes) stay inline, where std::string would
// allocate (its inline buffer holds 15), so indexing a new trace costs no allocation for its key.
class TraceKey {
 public:
  TraceKey() = default;  // the empty id
  explicit TraceKey(std::string_view id);
  std::string_view view() const {
    return long_ ? std::string_view(*long_) : std::string_view(inline_, size_);
  }
  bool operator==(const TraceKey& other) const { return view() == other.view(); }

 private:
  char inline_[16] = {};
  size_t size_ = 0;
  std::shared_ptr<const std::string> long_;  // ids longer than 16 bytes (kept as received)
};

// One OTLP span with the resource and scope it arrived under. Decoded spans stay where the
// parser put them, in the arena of their request: `proto` aliases the arena, which lives as
// long as any of the request's records (no per-span copy or allocation). A record built field
// by field owns a span of its own.
struct SpanRecord {
  SpanRecord() : proto(std::make_shared<otlp_trace::Span>()) {}
  explicit SpanRecord(std::shared_ptr<otlp_trace::Span> span) : proto(std::move(span)) {}

  const otlp_trace::Span& span() const { return *proto; }
  otlp_trace::Span* mutable_span() { return proto.get(); }

  std::shared_ptr<otlp_trace::Span> proto;  // never null
  std::shared_ptr<const ResourceInfo> resource;
  std::shared_ptr<const ScopeInfo> scope;
  std::shared_ptr<const Origin> origin;
  size_t bytes = 0;  // the span's encoded size, what --max-span-bytes counts (set on Add)
  // The span's trace id, set on Add: eviction finds the trace from the record alone, without
  // following the pointers into a span that has long left the cache.
  TraceKey trace_key;
};
using SpanPtr = std::shared_ptr<const SpanRecord>;

// One OTLP log record with the resource and scope it arrived under; kept like SpanRecord.
struct LogRecordEntry {
  LogRecordEntry() : proto(std::make_shared<otlp_logs::LogRecord>()) {}
  explicit LogRecordEntry(std::shared_ptr<otlp_logs::LogRecord> record)
      : proto(std::move(record)) {}

  const otlp_logs::LogRecord& record() const { return *proto; }
  otlp_logs::LogRecord* mutable_record() { return proto.get(); }

  std::shared_ptr<otlp_logs::LogRecord> proto;  // never null
  std::shared_ptr<const ResourceInfo> resource;
  std::shared_ptr<const ScopeInfo> scope;
  std::shared_ptr<const Origin> origin;
  size_t bytes = 0;  // the record's encoded size, what --max-log-bytes counts (set on Add)
};
using LogPtr = std::shared_ptr<const LogRecordEntry>;

// Filters of the log list; every set field must match.
struct LogQuery {
  std::optional<std::string> text;      // the body's text form contains it (any case)
  std::optional<int> severity_min;      // severity_number >= it
  std::optional<std::string> trace_id;  // raw 16 bytes
  std::optional<std::string> service;   // the resource's service.name equals it
  size_t limit = 100;
};

// The time a log record is ordered by: its time_unix_nano, else its observed time.
uint64_t LogTime(const otlp_logs::LogRecord& record);

// Log records in arrival order. Not thread-safe: Store serialises access.
class LogTable {
 public:
  explicit LogTable(size_t max_logs, size_t max_bytes = SIZE_MAX)
      : max_logs_(max_logs), max_bytes_(max_bytes) {}

  // Appends, then evicts the oldest records beyond max_logs or max_bytes (the newest record
  // always stays).
  void Add(std::vector<LogRecordEntry> records);
  // Matching records, newest LogTime first (later arrivals first among equal times);
  // *total counts all matches.
  std::vector<LogPtr> List(const LogQuery& query, size_t* total) const;
  void Clear();

  size_t size() const { return arrival_.size(); }
  uint64_t evicted() const { return evicted_; }
  size_t bytes() const { return bytes_; }
  uint64_t evicted_bytes() const { return evicted_bytes_; }
  const std::deque<LogPtr>& arrival() const { return arrival_; }

 private:
  size_t max_logs_;
  size_t max_bytes_;
  uint64_t evicted_ = 0;
  size_t bytes_ = 0;
  uint64_t evicted_bytes_ = 0;
  std::deque<LogPtr> arrival_;
};

// One trace as the list endpoint shows it.
struct TraceSummary {
  std::string trace_id;   // raw bytes
  std::string root_name;  // the earliest span without a parent (or the earliest span)
  std::string service;    // service.name of that span's resource
  std::vector<std::string> services;  // every service.name in the trace, sorted
  uint64_t start_ns = 0;  // earliest span start
  uint64_t end_ns = 0;    // latest span end
  size_t span_count = 0;
  bool error = false;     // some span has status ERROR
};

// Filters of the trace list; every set field must match.
struct TraceQuery {
  std::optional<std::string> service;  // some span's service.name equals it
  std::optional<std::string> name;     // some span's name equals it
  // Each (key, value): some span has attribute key (on the span or its resource) whose
  // AnyValueToText rendering equals value.
  std::vector<std::pair<std::string, std::string>> attributes;
  std::optional<uint64_t> min_duration_ns;  // end_ns - start_ns >= it
  std::optional<bool> error;
  std::optional<uint64_t> start_ns;  // trace start >= it
  std::optional<uint64_t> end_ns;    // trace start <= it
  size_t limit = 100;
};

// Valid ids are 16 random bytes: two loads and two multiplies spread them well, without
// std::hash's byte loop. Other lengths fall back to std::hash.
struct TraceKeyHash {
  size_t operator()(const TraceKey& key) const noexcept;
};

// The spans of one trace in arrival order. Eviction takes the oldest from the front by
// advancing `head` (compacting once half is dead), so no front erase shifts the rest. A
// one-span trace keeps its span inline: no allocation of its own.
struct TraceSpans {
  absl::InlinedVector<SpanPtr, 1> spans;  // [head, end) are live
  size_t head = 0;             // first live span
  size_t size() const { return spans.size() - head; }
  auto begin() const { return spans.begin() + static_cast<std::ptrdiff_t>(head); }
  auto end() const { return spans.end(); }
};

// Spans grouped by trace id. Not thread-safe: Store serialises access.
class TraceTable {
 public:
  explicit TraceTable(size_t max_spans, size_t max_bytes = SIZE_MAX)
      : max_spans_(max_spans), max_bytes_(max_bytes) {}

  // Appends in arrival order, then evicts the oldest spans beyond max_spans or max_bytes (the
  // newest span always stays).
  void Add(std::vector<SpanRecord> records);
  // Matching traces, newest start first (ties by trace id); *total counts all matches.
  std::vector<TraceSummary> List(const TraceQuery& query, size_t* total) const;
  // The spans of one trace ordered by start time, then span id; empty when unknown.
  std::vector<SpanPtr> Get(std::string_view trace_id) const;
  void Clear();

  size_t span_count() const { return arrival_.size(); }
  size_t trace_count() const { return by_trace_.size(); }
  uint64_t evicted_spans() const { return evicted_spans_; }
  size_t bytes() const { return bytes_; }
  uint64_t evicted_bytes() const { return evicted_bytes_; }
  const std::deque<SpanPtr>& arrival() const { return arrival_; }

 private:
  void EvictOldest();

  size_t max_spans_;
  size_t max_bytes_;
  uint64_t evicted_spans_ = 0;
  size_t bytes_ = 0;
  uint64_t evicted_bytes_ = 0;
  std::deque<SpanPtr> arrival_;
  // Open addressing: a lookup costs about two cache misses however large the table (a node
  // map's bucket and node chain cost three or more, and every trace a node allocation).
  absl::flat_hash_map<TraceKey, TraceSpans, TraceKeyHash> by_trace_;
};

struct StoreOptions {
  size_t max_spans = 100000;  // retention of the trace table
  size_t max_logs = 100000;   // retention of the log table
  size_t max_metric_points = 100000;  // retention of the metric table
  size_t max_span_bytes = SIZE_MAX;          // trace table retention by encoded span size
  size_t max_log_bytes = SIZE_MAX;           // log table retention by encoded record size
  size_t max_metric_point_bytes = SIZE_MAX;  // metric table retention by encoded point size
};

// Every record of every table in arrival order, as a snapshot or /api/export reads them.
struct StoreDump {
  std::vector<SpanPtr> spans;
  std::vector<LogPtr> logs;
  std::vector<MetricPointPtr> points;
};

class Journal;

struct StoreCounts {
  size_t spans = 0;
  size_t traces = 0;
  uint64_t evicted_spans = 0;
  size_t logs = 0;
  uint64_t evicted_logs = 0;
  size_t metric_points = 0;
  size_t metric_series = 0;
  uint64_t evicted_metric_points = 0;
  size_t span_bytes = 0;
  uint64_t evicted_span_bytes = 0;
  size_t log_bytes = 0;
  uint64_t evicted_log_bytes = 0;
  size_t metric_point_bytes = 0;
  uint64_t evicted_metric_point_bytes = 0;
};

// Every signal's table behind one mutex: writes are short appends and reads copy out
// shared pointers or summaries, so one lock keeps reset and eviction simple. Thread-safe.
// With a journal attached, every change is recorded under the lock and committed after it;
// the Add methods and Clear fail (the change applied in memory but not durable) when the
// journal does.
class Store {
 public:
  explicit Store(StoreOptions options)
      : traces_(options.max_spans, options.max_span_bytes),
        logs_(options.max_logs, options.max_log_bytes),
        metrics_(options.max_metric_points, options.max_metric_point_bytes) {}
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Attach once recovery has replayed into the store; nullptr detaches.
  void set_journal(Journal* journal) PTX_EXCLUDES(mu_);

  Status AddSpans(std::vector<SpanRecord> records) PTX_EXCLUDES(mu_);
  std::vector<TraceSummary> ListTraces(const TraceQuery& query, size_t* total) const
      PTX_EXCLUDES(mu_);
  std::vector<SpanPtr> GetTrace(std::string_view trace_id) const PTX_EXCLUDES(mu_);
  Status AddLogs(std::vector<LogRecordEntry> records) PTX_EXCLUDES(mu_);
  std::vector<LogPtr> ListLogs(const LogQuery& query, size_t* total) const PTX_EXCLUDES(mu_);
  Status AddMetricPoints(std::vector<MetricPoint> points) PTX_EXCLUDES(mu_);
  std::vector<MetricSeriesView> ListMetrics(const MetricQuery& query, size_t* total) const
      PTX_EXCLUDES(mu_);
  std::vector<std::string> MetricNames() const PTX_EXCLUDES(mu_);
  StoreCounts Counts() const PTX_EXCLUDES(mu_);
  Status Clear() PTX_EXCLUDES(mu_);
  // Every record in arrival order. `under_lock` runs while the lock is held, so a snapshot
  // can cut the journal exactly where the dump stands.
  StoreDump Dump(const std::function<void()>& under_lock = nullptr) const PTX_EXCLUDES(mu_);

 private:
  Status Commit(uint64_t ticket);

  mutable std::mutex mu_;
  Journal* journal_ PTX_GUARDED_BY(mu_) = nullptr;
  TraceTable traces_ PTX_GUARDED_BY(mu_);
  LogTable logs_ PTX_GUARDED_BY(mu_);
  MetricTable metrics_ PTX_GUARDED_BY(mu_);
};

}  // namespace ptx::emulator
