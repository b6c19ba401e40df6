// Export and import of what the store holds as OTLP JSON lines: one ExportTraceServiceRequest,
// ExportLogsServiceRequest or ExportMetricsServiceRequest per line, the shape the
// OpenTelemetry collector's file exporter writes. GET /api/export streams it, POST /api/import
// and --load read it back through the normal ingest path (so it is journaled and retained
// like any other write).
//
//   ExportCursor cursor(store.Dump());
//   for (std::string line; cursor.Next(&line);) file << line;
//   Result<ImportSummary> loaded = ImportLines(&ingest, file_contents);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ingest.h"
#include "ptx/base/status.h"
#include "store.h"

namespace httplib {
class Server;
}

namespace ptx::emulator {

// Items per exported line.
inline constexpr size_t kExportBatch = 500;

// Renders a dump line by line (newline included): traces, then logs, then metrics, each in
// arrival order, kExportBatch items per line. Thread-compatible.
class ExportCursor {
 public:
  explicit ExportCursor(StoreDump dump) : dump_(std::move(dump)) {}
  // The next line, or false at the end.
  bool Next(std::string* line);

 private:
  StoreDump dump_;
  int signal_ = 0;  // 0 spans, 1 logs, 2 metric points
  size_t position_ = 0;
};


struct ImportSummary {
  uint64_t lines = 0;
  uint64_t spans = 0;
  uint64_t log_records = 0;
  uint64_t data_points = 0;
};

// Ingests each non-empty line. InvalidArgument naming the line when one is not an OTLP JSON
// export request (the lines before it stay imported).
Result<ImportSummary> ImportLines(OtlpIngest* ingest, std::string_view body);

// GET /api/export and POST /api/import.
void RegisterArchiveApi(httplib::Server& server, Store* store, OtlpIngest* ingest);

}  // namespace ptx::emulator
