// Console output: span start/end lines, log records and rate-limited SDK diagnostics on stderr
// (stdout belongs to the application), in a compact, a pretty (ANSI colours on a TTY) or a JSON
// format.
//
//   auto console = std::make_shared<ptx::ConsoleSink>(ptx::ConsoleOptions{});
//   tracer->SetConsole(console);  // works with zero pipelines too
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ptx/base/status.h"
#include "ptx/sdk/span_data.h"

namespace ptx {

struct LogRecordData;

enum class ConsoleFormat { kCompact, kPretty, kJson };
// Ordered by severity; kOff disables everything.
enum class ConsoleLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// Case-insensitive; errors say "unknown console_format '<text>'".
Result<ConsoleFormat> ParseConsoleFormat(std::string_view text);
// trace|debug|info|warn|warning|error|off, case-insensitive; errors say "unknown console_level '<text>'".
Result<ConsoleLevel> ParseConsoleLevel(std::string_view text);
const char* ConsoleLevelName(ConsoleLevel level);  // "info", ...
// The console level of a log severity number: 1-4 trace, 5-8 debug, 0 and 9-12 info,
// 13-16 warn, 17-24 (error and fatal) error.
ConsoleLevel ConsoleLevelForSeverity(uint8_t severity_number);

struct ConsoleOptions {
  ConsoleFormat format = ConsoleFormat::kCompact;  // how each line looks
  ConsoleLevel level = ConsoleLevel::kInfo;        // lines below this level are not written
  // Receives each record (one line; a pretty record may span several) without the trailing
  // newline, instead of stderr; for tests and embedding. Called with the sink's lock held: it
  // must not call back into the sink.
  std::function<void(std::string_view line)> writer;
  // ANSI colours in the pretty format. Default: only when writing to stderr, stderr is a TTY
  // and NO_COLOR is not set.
  std::optional<bool> color;
  // A diagnostic key is written at most once per interval; the next line that gets through
  // reports how many were suppressed.
  std::chrono::milliseconds diagnostic_interval{10000};
};

// What is printed and at which level:
//   span start  info   name, kind, ids, parent id, start attributes
//   span end    info   name, kind, ids, duration, status, attributes, events (error level when
//                      the status is ERROR, so that console_level=error still shows failures)
//   log record  its severity (ConsoleLevelForSeverity): logger, message, severity, ids,
//               event name, attributes
//   diagnostic  as given, rate-limited per key
// JSON lines carry "event" = "span_start" | "span_end" | "log" | "diagnostic" and "level".
//
// Thread-safe: lines are written whole under one lock, so lines of concurrent threads never
// interleave.
class ConsoleSink {
 public:
  explicit ConsoleSink(ConsoleOptions options);
  ~ConsoleSink();
  ConsoleSink(const ConsoleSink&) = delete;
  ConsoleSink& operator=(const ConsoleSink&) = delete;

  bool Enabled(ConsoleLevel level) const { return level >= level_ && level != ConsoleLevel::kOff; }
  ConsoleFormat format() const { return format_; }
  ConsoleLevel level() const { return level_; }

  void OnSpanStart(const SpanData& span);
  void OnSpanEnd(const SpanData& span);
  // Printed when the record's level (from its severity number) is enabled.
  void OnLogRecord(const LogRecordData& record);
  // An SDK-internal message. An empty key means the message itself is the key.
  void Diagnostic(ConsoleLevel level, std::string_view message, std::string_view key = {});

  // fork() support (see SpanProcessor). Nestable, so that several tracers sharing one sink
  // may each call them from their handlers.
  void PrepareFork();
  void AfterForkParent();
  void AfterForkChild();

 private:
  struct Impl;
  const ConsoleFormat format_;
  const ConsoleLevel level_;
  std::unique_ptr<Impl> impl_;
};

// A BatchOptions::diagnostics callback that writes to `sink` at `level`, rate-limited by key.
std::function<void(std::string_view key, std::string_view message)> ConsoleDiagnostics(
    std::shared_ptr<ConsoleSink> sink, ConsoleLevel level = ConsoleLevel::kWarn);

}  // namespace ptx
