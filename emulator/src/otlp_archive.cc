#include "otlp_archive.h"

#include <httplib.h>

#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "otlp_json.h"
#include "otlp_records.h"
#include "query_api.h"

namespace ptx::emulator {
namespace {

// The OTLP/JSON of items[*position, +kExportBatch), advancing *position; false at the end.
template <typename Ptr, typename ToRequest>
bool NextBatch(const std::vector<Ptr>& items, ToRequest to_request, size_t* position,
               std::string* line) {
  using Item = typename Ptr::element_type;
  while (*position < items.size()) {
    std::vector<const Item*> batch;
    for (size_t i = *position; i < items.size() && batch.size() < kExportBatch; ++i) {
      batch.push_back(items[i].get());
    }
    *position += batch.size();
    Result<std::string> json = MessageToOtlpJson(to_request(batch));
    if (!json.ok()) continue;  // only fails on invalid UTF-8 the ingest path already refused
    *line = std::move(json).value();
    line->push_back('\n');
    return true;
  }
  return false;
}

// The signal of one export request line, from its first top-level key.
std::optional<Signal> LineSignal(std::string_view line) {
  struct Key {
    std::string_view text;
    Signal signal;
  };
  static constexpr Key kKeys[] = {
      {"\"resourceSpans\"", Signal::kTraces},     {"\"resource_spans\"", Signal::kTraces},
      {"\"resourceLogs\"", Signal::kLogs},        {"\"resource_logs\"", Signal::kLogs},
      {"\"resourceMetrics\"", Signal::kMetrics},  {"\"resource_metrics\"", Signal::kMetrics},
  };
  size_t best = std::string_view::npos;
  std::optional<Signal> signal;
  for (const Key& key : kKeys) {
    size_t at = line.find(key.text);
    if (at < best) {
      best = at;
      signal = key.signal;
    }
  }
  return signal;
}

}  // namespace

bool ExportCursor::Next(std::string* line) {
  while (signal_ < 3) {
    bool got = signal_ == 0   ? NextBatch(dump_.spans, SpansToRequest, &position_, line)
               : signal_ == 1 ? NextBatch(dump_.logs, LogsToRequest, &position_, line)
                              : NextBatch(dump_.points, PointsToRequest, &position_, line);
    if (got) return true;
    ++signal_;
    position_ = 0;
  }
  return false;
}

Result<ImportSummary> ImportLines(OtlpIngest* ingest, std::string_view body) {
  ImportSummary summary;
  Origin origin;
  origin.protocol = Protocol::kHttpJson;
  size_t number = 0;
  while (!body.empty()) {
    size_t newline = body.find('\n');
    std::string_view line = body.substr(0, newline);
    body = newline == std::string_view::npos ? std::string_view() : body.substr(newline + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto fail = [&](const std::string& why) {
      return InvalidArgumentError("line " + std::to_string(number) + ": " + why + " (" +
                                  std::to_string(summary.lines) + " line(s) before it imported)");
    };
    std::optional<Signal> signal = LineSignal(line);
    if (!signal) {
      return fail("not an OTLP export request (no resourceSpans, resourceLogs or "
                  "resourceMetrics)");
    }
    Result<IngestOutcome> outcome = ingest->Ingest(*signal, PayloadFormat::kJson, line, origin);
    if (!outcome.ok()) return fail(outcome.status().message());
    ++summary.lines;
    uint64_t* counter = *signal == Signal::kTraces ? &summary.spans
                        : *signal == Signal::kLogs ? &summary.log_records
                                                   : &summary.data_points;
    *counter += outcome->accepted;
  }
  return summary;
}

void RegisterArchiveApi(httplib::Server& server, Store* store, OtlpIngest* ingest) {
  server.Get("/api/export", [store](const httplib::Request&, httplib::Response& res) {
    // One consistent dump; lines are rendered as the client reads them.
    auto cursor = std::make_shared<ExportCursor>(store->Dump());
    res.set_chunked_content_provider("application/x-ndjson",
                                     [cursor](size_t, httplib::DataSink& sink) {
                                       std::string line;
                                       if (!cursor->Next(&line)) {
                                         sink.done();
                                         return true;
                                       }
                                       return sink.write(line.data(), line.size());
                                     });
  });
  server.Post("/api/import", [ingest](const httplib::Request& req, httplib::Response& res) {
    Result<ImportSummary> summary = ImportLines(ingest, req.body);
    if (!summary.ok()) return QueryApi::RenderError(res, 400, summary.status().message());
    nlohmann::json body{{"lines", summary->lines},
                        {"spans", summary->spans},
                        {"log_records", summary->log_records},
                        {"data_points", summary->data_points}};
    res.status = 200;
    res.set_content(body.dump(), "application/json");
  });
}

}  // namespace ptx::emulator
