#include "query_api.h"

#include <charconv>
#include <cmath>

#include "any_value.h"
#include "ptx/base/hex.h"

namespace ptx::emulator {
namespace {

using nlohmann::json;

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 10000;

const char* KindName(int kind) {
  switch (kind) {
    case otlp_trace::Span::SPAN_KIND_UNSPECIFIED:
      return "unspecified";
    case otlp_trace::Span::SPAN_KIND_INTERNAL:
      return "internal";
    case otlp_trace::Span::SPAN_KIND_SERVER:
      return "server";
    case otlp_trace::Span::SPAN_KIND_CLIENT:
      return "client";
    case otlp_trace::Span::SPAN_KIND_PRODUCER:
      return "producer";
    case otlp_trace::Span::SPAN_KIND_CONSUMER:
      return "consumer";
    default:
      return "unknown";
  }
}

const char* StatusCodeName(int code) {
  switch (code) {
    case otlp_trace::Status::STATUS_CODE_UNSET:
      return "unset";
    case otlp_trace::Status::STATUS_CODE_OK:
      return "ok";
    case otlp_trace::Status::STATUS_CODE_ERROR:
      return "error";
    default:
      return "unknown";
  }
}

// Nanosecond timestamps exceed 2^53, where JSON readers that use doubles lose precision.
std::string Ns(uint64_t value) { return std::to_string(value); }

void Send(httplib::Response& res, int http_status, const json& body) {
  res.status = http_status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

template <typename T>
bool ParseUnsigned(const std::string& text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

json ResourceJson(const ResourceInfo* info) {
  if (!info) {
    return {{"attributes", json::object()}, {"dropped_attributes_count", 0}, {"schema_url", ""}};
  }
  return {{"attributes", AttributesToTypedJson(info->resource.attributes())},
          {"dropped_attributes_count", info->resource.dropped_attributes_count()},
          {"schema_url", info->schema_url}};
}

json ScopeJson(const ScopeInfo* info) {
  if (!info) {
    return {{"name", ""}, {"version", ""}, {"attributes", json::object()},
            {"dropped_attributes_count", 0}, {"schema_url", ""}};
  }
  return {{"name", info->scope.name()},
          {"version", info->scope.version()},
          {"attributes", AttributesToTypedJson(info->scope.attributes())},
          {"dropped_attributes_count", info->scope.dropped_attributes_count()},
          {"schema_url", info->schema_url}};
}

json OriginJson(const Origin* origin) {
  if (!origin) return {{"protocol", ""}, {"sls_project", ""}, {"sls_instance_id", ""}};
  return {{"protocol", ProtocolName(origin->protocol)},
          {"sls_project", origin->sls_project},
          {"sls_instance_id", origin->sls_instance_id}};
}

}  // namespace

json SpanToJson(const SpanRecord& record) {
  const otlp_trace::Span& span = record.span();
  json events = json::array();
  for (const auto& event : span.events()) {
    events.push_back({{"name", event.name()},
                      {"time_unix_nano", Ns(event.time_unix_nano())},
                      {"attributes", AttributesToTypedJson(event.attributes())},
                      {"dropped_attributes_count", event.dropped_attributes_count()}});
  }
  json links = json::array();
  for (const auto& link : span.links()) {
    links.push_back({{"trace_id", HexEncode(link.trace_id())},
                     {"span_id", HexEncode(link.span_id())},
                     {"trace_state", link.trace_state()},
                     {"attributes", AttributesToTypedJson(link.attributes())},
                     {"dropped_attributes_count", link.dropped_attributes_count()},
                     {"flags", link.flags()}});
  }
  uint64_t start = span.start_time_unix_nano();
  uint64_t end = span.end_time_unix_nano();
  return {
      {"trace_id", HexEncode(span.trace_id())},
      {"span_id", HexEncode(span.span_id())},
      {"parent_span_id", HexEncode(span.parent_span_id())},
      {"trace_state", span.trace_state()},
      {"name", span.name()},
      {"kind", KindName(span.kind())},
      {"kind_number", static_cast<int>(span.kind())},
      {"start_time_unix_nano", Ns(start)},
      {"end_time_unix_nano", Ns(end)},
      {"duration_ns", Ns(end > start ? end - start : 0)},
      {"attributes", AttributesToTypedJson(span.attributes())},
      {"dropped_attributes_count", span.dropped_attributes_count()},
      {"events", std::move(events)},
      {"dropped_events_count", span.dropped_events_count()},
      {"links", std::move(links)},
      {"dropped_links_count", span.dropped_links_count()},
      {"status",
       {{"code", StatusCodeName(span.status().code())}, {"message", span.status().message()}}},
      {"flags", span.flags()},
      {"service", record.resource ? record.resource->service_name : ""},
      {"resource", ResourceJson(record.resource.get())},
      {"scope", ScopeJson(record.scope.get())},
      {"origin", OriginJson(record.origin.get())},
  };
}

json LogToJson(const LogRecordEntry& entry) {
  const otlp_logs::LogRecord& record = entry.record();
  return {
      {"time_unix_nano", Ns(record.time_unix_nano())},
      {"observed_time_unix_nano", Ns(record.observed_time_unix_nano())},
      {"severity_number", static_cast<int>(record.severity_number())},
      {"severity_text", record.severity_text()},
      {"body", AnyValueToTypedJson(record.body())},
      {"attributes", AttributesToTypedJson(record.attributes())},
      {"dropped_attributes_count", record.dropped_attributes_count()},
      {"trace_id", HexEncode(record.trace_id())},
      {"span_id", HexEncode(record.span_id())},
      {"flags", record.flags()},
      {"event_name", record.event_name()},
      {"service", entry.resource ? entry.resource->service_name : ""},
      {"resource", ResourceJson(entry.resource.get())},
      {"scope", ScopeJson(entry.scope.get())},
      {"origin", OriginJson(entry.origin.get())},
  };
}

json MetricPointToJson(const MetricPointData& data) {
  auto optional_double = [](bool present, double value) {
    return present ? DoubleToJson(value) : json(nullptr);
  };
  auto counts = [](const google::protobuf::RepeatedField<uint64_t>& values) {
    json out = json::array();
    for (uint64_t value : values) out.push_back(std::to_string(value));
    return out;
  };
  json out = {{"start_time_unix_nano", Ns(PointStartTime(data))},
              {"time_unix_nano", Ns(PointTime(data))}};
  if (const auto* p = std::get_if<otlp_metrics::NumberDataPoint>(&data)) {
    switch (p->value_case()) {
      case otlp_metrics::NumberDataPoint::kAsInt:
        out["value"] = {{"type", "int"}, {"value", std::to_string(p->as_int())}};
        break;
      case otlp_metrics::NumberDataPoint::kAsDouble:
        out["value"] = {{"type", "double"}, {"value", DoubleToJson(p->as_double())}};
        break;
      case otlp_metrics::NumberDataPoint::VALUE_NOT_SET:
        out["value"] = {{"type", "empty"}, {"value", nullptr}};
        break;
    }
    out["flags"] = p->flags();
  } else if (const auto* p = std::get_if<otlp_metrics::HistogramDataPoint>(&data)) {
    json bounds = json::array();
    for (double bound : p->explicit_bounds()) bounds.push_back(DoubleToJson(bound));
    out["count"] = std::to_string(p->count());
    out["sum"] = optional_double(p->has_sum(), p->sum());
    out["min"] = optional_double(p->has_min(), p->min());
    out["max"] = optional_double(p->has_max(), p->max());
    out["bucket_counts"] = counts(p->bucket_counts());
    out["explicit_bounds"] = std::move(bounds);
    out["flags"] = p->flags();
  } else if (const auto* p = std::get_if<otlp_metrics::ExponentialHistogramDataPoint>(&data)) {
    auto buckets = [&](const otlp_metrics::ExponentialHistogramDataPoint::Buckets& b) {
      return json{{"offset", b.offset()}, {"bucket_counts", counts(b.bucket_counts())}};
    };
    out["count"] = std::to_string(p->count());
    out["sum"] = optional_double(p->has_sum(), p->sum());
    out["scale"] = p->scale();
    out["zero_count"] = std::to_string(p->zero_count());
    out["zero_threshold"] = DoubleToJson(p->zero_threshold());
    out["positive"] = buckets(p->positive());
    out["negative"] = buckets(p->negative());
    out["min"] = optional_double(p->has_min(), p->min());
    out["max"] = optional_double(p->has_max(), p->max());
    out["flags"] = p->flags();
  } else if (const auto* p = std::get_if<otlp_metrics::SummaryDataPoint>(&data)) {
    json quantiles = json::array();
    for (const auto& q : p->quantile_values()) {
      quantiles.push_back(
          {{"quantile", DoubleToJson(q.quantile())}, {"value", DoubleToJson(q.value())}});
    }
    out["count"] = std::to_string(p->count());
    out["sum"] = DoubleToJson(p->sum());
    out["quantile_values"] = std::move(quantiles);
    out["flags"] = p->flags();
  }
  return out;
}

json MetricSeriesToJson(const MetricSeriesView& series) {
  const MetricInfo& metric = series.metric();
  json points = json::array();
  for (const MetricPointPtr& point : series.points) points.push_back(MetricPointToJson(point->data));
  return {
      {"name", metric.name},
      {"description", metric.description},
      {"unit", metric.unit},
      {"type", MetricTypeName(metric.type)},
      {"temporality", TemporalityName(metric.temporality)},
      {"monotonic", metric.monotonic},
      {"service", metric.resource ? metric.resource->service_name : ""},
      {"scope", ScopeJson(metric.scope.get())},
      {"resource", ResourceJson(metric.resource.get())},
      {"attributes", AttributesToTypedJson(PointAttributes(series.newest().data))},
      {"point_count", series.points.size()},
      {"points", std::move(points)},
  };
}

json TraceSummaryToJson(const TraceSummary& summary) {
  return {
      {"trace_id", HexEncode(summary.trace_id)},
      {"root_name", summary.root_name},
      {"service", summary.service},
      {"services", summary.services},
      {"start_ns", Ns(summary.start_ns)},
      {"end_ns", Ns(summary.end_ns)},
      {"duration_ns", Ns(summary.end_ns - summary.start_ns)},
      {"span_count", summary.span_count},
      {"error", summary.error},
  };
}

json StatsToJson(const StatsSnapshot& stats, const StoreCounts& counts,
                 const SlsStoreCounts& sls_counts) {
  json out = json::object();
  for (Signal signal : {Signal::kTraces, Signal::kMetrics, Signal::kLogs}) {
    Counts total;
    json by_protocol = json::object();
    for (size_t p = 0; p < kProtocolCount; ++p) {
      const Counts& c = stats.by_signal_protocol[static_cast<size_t>(signal)][p];
      by_protocol[ProtocolName(static_cast<Protocol>(p))] = {
          {"requests", c.requests},
          {"items", c.items},
          {"rejected_requests", c.rejected_requests},
          {"rejected_items", c.rejected_items}};
      total.requests += c.requests;
      total.items += c.items;
      total.rejected_requests += c.rejected_requests;
      total.rejected_items += c.rejected_items;
    }
    out[SignalName(signal)] = {{"requests", total.requests},
                               {"items", total.items},
                               {"rejected_requests", total.rejected_requests},
                               {"rejected_items", total.rejected_items},
                               {"by_protocol", std::move(by_protocol)}};
  }
  out["sls"] = {{"requests", stats.sls.requests},
                {"rejected_requests", stats.sls.rejected_requests},
                {"log_groups", stats.sls.log_groups},
                {"logs", stats.sls.logs}};
  out["faults"] = {{"injected", stats.faults_injected}};
  // "store" keeps its first shape (the trace table); the newer tables sit beside it.
  out["store"] = {{"spans", counts.spans},
                  {"traces", counts.traces},
                  {"evicted_spans", counts.evicted_spans},
                  {"bytes", counts.span_bytes},
                  {"evicted_bytes", counts.evicted_span_bytes}};
  out["log_store"] = {{"logs", counts.logs},
                      {"evicted_logs", counts.evicted_logs},
                      {"bytes", counts.log_bytes},
                      {"evicted_bytes", counts.evicted_log_bytes}};
  out["metric_store"] = {{"points", counts.metric_points},
                         {"series", counts.metric_series},
                         {"evicted_points", counts.evicted_metric_points},
                         {"bytes", counts.metric_point_bytes},
                         {"evicted_bytes", counts.evicted_metric_point_bytes}};
  out["sls_store"] = {{"projects", sls_counts.projects},
                      {"logstores", sls_counts.logstores},
                      {"log_groups", sls_counts.log_groups},
                      {"logs", sls_counts.logs},
                      {"evicted_log_groups", sls_counts.evicted_log_groups},
                      {"evicted_logs", sls_counts.evicted_logs},
                      {"bytes", sls_counts.bytes},
                      {"evicted_bytes", sls_counts.evicted_bytes}};
  return out;
}

Result<TraceQuery> ParseTraceQuery(const httplib::Params& params) {
  TraceQuery query;
  query.limit = kDefaultLimit;
  for (const auto& [key, value] : params) {
    auto bad = [&, &key = key, &value = value](const std::string& why) {
      return InvalidArgumentError("query parameter " + key + "='" + value + "': " + why);
    };
    if (key == "service") {
      query.service = value;
    } else if (key == "name") {
      query.name = value;
    } else if (key == "attr") {
      size_t colon = value.find(':');
      if (colon == std::string::npos || colon == 0) return bad("expected key:value");
      query.attributes.emplace_back(value.substr(0, colon), value.substr(colon + 1));
    } else if (key == "min_duration_ms") {
      char* end = nullptr;
      double ms = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !std::isfinite(ms) || ms < 0 || ms > 1e12) {
        return bad("expected a non-negative number of milliseconds");
      }
      query.min_duration_ns = static_cast<uint64_t>(std::llround(ms * 1e6));
    } else if (key == "min_duration_ns") {
      uint64_t ns = 0;
      if (!ParseUnsigned(value, &ns)) return bad("expected nanoseconds");
      query.min_duration_ns = ns;
    } else if (key == "error") {
      if (value != "true" && value != "false") return bad("expected true or false");
      query.error = value == "true";
    } else if (key == "start_ns" || key == "end_ns") {
      uint64_t ns = 0;
      if (!ParseUnsigned(value, &ns)) return bad("expected nanoseconds since the epoch");
      (key == "start_ns" ? query.start_ns : query.end_ns) = ns;
    } else if (key == "limit") {
      size_t limit = 0;
      if (!ParseUnsigned(value, &limit) || limit == 0 || limit > kMaxLimit) {
        return bad("expected 1.." + std::to_string(kMaxLimit));
      }
      query.limit = limit;
    } else {
      return InvalidArgumentError("unknown query parameter '" + key + "'");
    }
  }
  return query;
}

Result<LogQuery> ParseLogQuery(const httplib::Params& params) {
  LogQuery query;
  query.limit = kDefaultLimit;
  for (const auto& [key, value] : params) {
    auto bad = [&, &key = key, &value = value](const std::string& why) {
      return InvalidArgumentError("query parameter " + key + "='" + value + "': " + why);
    };
    if (key == "text") {
      query.text = value;
    } else if (key == "severity_min") {
      int severity = 0;
      if (!ParseUnsigned(value, &severity) || severity > 24) return bad("expected 0..24");
      query.severity_min = severity;
    } else if (key == "trace_id") {
      std::string trace_id(16, '\0');
      if (!HexDecode(value, reinterpret_cast<uint8_t*>(trace_id.data()), trace_id.size())) {
        return bad("expected 32 hex characters");
      }
      query.trace_id = trace_id;
    } else if (key == "service") {
      query.service = value;
    } else if (key == "limit") {
      size_t limit = 0;
      if (!ParseUnsigned(value, &limit) || limit == 0 || limit > kMaxLimit) {
        return bad("expected 1.." + std::to_string(kMaxLimit));
      }
      query.limit = limit;
    } else {
      return InvalidArgumentError("unknown query parameter '" + key + "'");
    }
  }
  return query;
}

Result<MetricQuery> ParseMetricQuery(const httplib::Params& params) {
  MetricQuery query;
  query.limit = kDefaultLimit;
  for (const auto& [key, value] : params) {
    auto bad = [&, &key = key, &value = value](const std::string& why) {
      return InvalidArgumentError("query parameter " + key + "='" + value + "': " + why);
    };
    if (key == "name") {
      query.name = value;
    } else if (key == "service") {
      query.service = value;
    } else if (key == "attr") {
      size_t colon = value.find(':');
      if (colon == std::string::npos || colon == 0) return bad("expected key:value");
      query.attributes.emplace_back(value.substr(0, colon), value.substr(colon + 1));
    } else if (key == "limit") {
      size_t limit = 0;
      if (!ParseUnsigned(value, &limit) || limit == 0 || limit > kMaxLimit) {
        return bad("expected 1.." + std::to_string(kMaxLimit));
      }
      query.limit = limit;
    } else {
      return InvalidArgumentError("unknown query parameter '" + key + "'");
    }
  }
  return query;
}

void QueryApi::RenderError(httplib::Response& res, int http_status, const std::string& message) {
  Send(res, http_status, {{"error", message}});
}

void QueryApi::Register(httplib::Server& server) {
  server.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    bool ready = ready_ && ready_();
    Send(res, ready ? 200 : 503, {{"status", ready ? "ok" : "starting"}});
  });

  server.Get("/api/traces", [this](const httplib::Request& req, httplib::Response& res) {
    Result<TraceQuery> query = ParseTraceQuery(req.params);
    if (!query.ok()) return RenderError(res, 400, query.status().message());
    size_t total = 0;
    std::vector<TraceSummary> traces = store_->ListTraces(*query, &total);
    json list = json::array();
    for (const TraceSummary& summary : traces) list.push_back(TraceSummaryToJson(summary));
    Send(res, 200, {{"traces", std::move(list)}, {"total", total}});
  });

  server.Get(R"(/api/traces/([^/]+))", [this](const httplib::Request& req,
                                               httplib::Response& res) {
    const std::string hex = req.matches[1];
    std::string trace_id(16, '\0');
    if (!HexDecode(hex, reinterpret_cast<uint8_t*>(trace_id.data()), trace_id.size())) {
      return RenderError(res, 400, "trace id must be 32 hex characters");
    }
    std::vector<SpanPtr> spans = store_->GetTrace(trace_id);
    if (spans.empty()) return RenderError(res, 404, "trace " + hex + " not found");
    json list = json::array();
    for (const SpanPtr& span : spans) list.push_back(SpanToJson(*span));
    Send(res, 200, {{"trace_id", HexEncode(trace_id)},
                    {"span_count", spans.size()},
                    {"spans", std::move(list)}});
  });

  server.Get("/api/logs", [this](const httplib::Request& req, httplib::Response& res) {
    Result<LogQuery> query = ParseLogQuery(req.params);
    if (!query.ok()) return RenderError(res, 400, query.status().message());
    size_t total = 0;
    std::vector<LogPtr> logs = store_->ListLogs(*query, &total);
    json list = json::array();
    for (const LogPtr& entry : logs) list.push_back(LogToJson(*entry));
    Send(res, 200, {{"logs", std::move(list)}, {"total", total}});
  });

  server.Get("/api/metrics", [this](const httplib::Request& req, httplib::Response& res) {
    Result<MetricQuery> query = ParseMetricQuery(req.params);
    if (!query.ok()) return RenderError(res, 400, query.status().message());
    size_t total = 0;
    std::vector<MetricSeriesView> series = store_->ListMetrics(*query, &total);
    json list = json::array();
    for (const MetricSeriesView& view : series) list.push_back(MetricSeriesToJson(view));
    Send(res, 200, {{"series", std::move(list)}, {"total", total}});
  });

  server.Get("/api/metrics/names", [this](const httplib::Request&, httplib::Response& res) {
    Send(res, 200, {{"names", store_->MetricNames()}});
  });

  server.Get("/api/sls/projects", [this](const httplib::Request&, httplib::Response& res) {
    json projects = json::array();
    for (const std::string& project : sls_store_->ListProjects()) {
      std::vector<std::string> names;
      if (sls_store_->ListLogStores(project, &names) != SlsOutcome::kOk) continue;
      json logstores = json::array();
      for (const std::string& name : names) {
        std::vector<StoredLogGroupPtr> groups;
        if (sls_store_->Snapshot(project, name, &groups) != SlsOutcome::kOk) continue;
        size_t logs = 0;
        for (const StoredLogGroupPtr& group : groups) logs += group->group.logs.size();
        logstores.push_back({{"name", name}, {"log_groups", groups.size()}, {"logs", logs}});
      }
      projects.push_back({{"name", project}, {"logstores", std::move(logstores)}});
    }
    Send(res, 200, {{"projects", std::move(projects)}});
  });

  server.Get(R"(/api/sls/projects/([^/]+)/logstores/([^/]+))",
             [this](const httplib::Request& req, httplib::Response& res) {
    const std::string project = req.matches[1];
    const std::string logstore = req.matches[2];
    std::vector<StoredLogGroupPtr> groups;
    SlsOutcome outcome = sls_store_->Snapshot(project, logstore, &groups);
    if (outcome != SlsOutcome::kOk) {
      return RenderError(res, 404, "logstore " + project + "/" + logstore + " not found");
    }
    json list = json::array();
    for (const StoredLogGroupPtr& stored : groups) {
      const encoding::SlsLogGroup& group = stored->group;
      json logs = json::array();
      for (const encoding::SlsLog& log : group.logs) {
        json contents = json::array();
        for (const auto& content : log.contents) contents.push_back({content.key, content.value});
        logs.push_back({{"time", log.time},
                        {"time_ns", log.time_ns ? json(*log.time_ns) : json(nullptr)},
                        {"contents", std::move(contents)}});
      }
      json tags = json::array();
      for (const auto& [key, value] : group.tags) tags.push_back({key, value});
      list.push_back({{"sequence", stored->sequence},
                      {"received_unix_s", stored->received_unix_s},
                      {"topic", group.topic},
                      {"source", group.source},
                      {"tags", std::move(tags)},
                      {"logs", std::move(logs)}});
    }
    Send(res, 200, {{"project", project}, {"logstore", logstore},
                    {"log_groups", std::move(list)}});
  });

  server.Get("/api/stats", [this](const httplib::Request&, httplib::Response& res) {
    Send(res, 200, StatsToJson(stats_->Snapshot(), store_->Counts(), sls_store_->Counts()));
  });

  server.Post("/api/reset", [this](const httplib::Request&, httplib::Response& res) {
    Status cleared = store_->Clear();
    sls_store_->Clear();
    if (!cleared.ok()) return RenderError(res, 503, cleared.message());
    stats_->Reset();
    if (faults_) faults_->Clear();
    Send(res, 200, {{"status", "ok"}});
  });

  if (!faults_) return;
  server.Post("/api/faults", [this](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return RenderError(res, 400, "the body is not valid JSON");
    Result<FaultSpec> spec = ParseFaultSpec(body);
    if (!spec.ok()) return RenderError(res, 400, spec.status().message());
    PendingFault fault;
    fault.spec = *spec;
    fault.remaining = spec->count;
    fault.id = faults_->Add(std::move(spec).value());
    Send(res, 201, FaultToJson(fault));
  });
  server.Get("/api/faults", [this](const httplib::Request&, httplib::Response& res) {
    json list = json::array();
    for (const PendingFault& fault : faults_->List()) list.push_back(FaultToJson(fault));
    Send(res, 200, {{"faults", std::move(list)}});
  });
  server.Delete("/api/faults", [this](const httplib::Request&, httplib::Response& res) {
    faults_->Clear();
    Send(res, 200, {{"status", "ok"}});
  });
}

}  // namespace ptx::emulator
