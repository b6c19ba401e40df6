#include "ptx/sdk/console_sink.h"

#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <unordered_map>

#include "ptx/base/clock.h"
#include "ptx/base/hex.h"
#include "ptx/base/text.h"
#include "ptx/sdk/logs/log_record.h"

namespace ptx {
namespace {

// Forwards each formatted record to a caller-supplied function (tests, embedding). Locking is
// the ConsoleSink's: spdlog's own is disabled.
class WriterSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit WriterSink(std::function<void(std::string_view)> writer) : writer_(std::move(writer)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    writer_(std::string_view(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  std::function<void(std::string_view)> writer_;
};

spdlog::level::level_enum ToSpdlog(ConsoleLevel level) {
  switch (level) {
    case ConsoleLevel::kTrace: return spdlog::level::trace;
    case ConsoleLevel::kDebug: return spdlog::level::debug;
    case ConsoleLevel::kInfo: return spdlog::level::info;
    case ConsoleLevel::kWarn: return spdlog::level::warn;
    case ConsoleLevel::kError: return spdlog::level::err;
    case ConsoleLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

const char* CompactLevel(ConsoleLevel level) {
  switch (level) {
    case ConsoleLevel::kTrace: return "TRACE";
    case ConsoleLevel::kDebug: return "DEBUG";
    case ConsoleLevel::kInfo: return "INFO ";
    case ConsoleLevel::kWarn: return "WARN ";
    case ConsoleLevel::kError: return "ERROR";
    case ConsoleLevel::kOff: return "OFF  ";
  }
  return "INFO ";
}

const char* KindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kUnspecified: return "unspecified";
    case SpanKind::kInternal: return "internal";
    case SpanKind::kServer: return "server";
    case SpanKind::kClient: return "client";
    case SpanKind::kProducer: return "producer";
    case SpanKind::kConsumer: return "consumer";
  }
  return "unspecified";
}

const char* StatusName(SpanStatusCode code) {
  switch (code) {
    case SpanStatusCode::kUnset: return "UNSET";
    case SpanStatusCode::kOk: return "OK";
    case SpanStatusCode::kError: return "ERROR";
  }
  return "UNSET";
}

// RFC 3339 UTC with milliseconds: 2024-05-01T12:00:00.123Z.
std::string Timestamp(uint64_t unix_nanos) {
  std::time_t secs = static_cast<std::time_t>(unix_nanos / 1000000000ull);
  unsigned millis = static_cast<unsigned>((unix_nanos / 1000000ull) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

// A JSON value: numbers and booleans bare, strings quoted, bytes base64, lists as arrays,
// non-finite doubles as strings ("NaN", "Infinity") since JSON has no literal for them.
void AppendJsonValue(std::string& out, const AttributeValue& value) {
  if (auto* s = std::get_if<std::string>(&value)) {
    AppendJsonString(out, *s);
  } else if (std::holds_alternative<Bytes>(value)) {
    AppendJsonString(out, AttributeValueToString(value));
  } else if (auto* d = std::get_if<double>(&value); d && !std::isfinite(*d)) {
    AppendJsonString(out, AttributeValueToString(value));
  } else {
    out += AttributeValueToString(value);  // lists are rendered as JSON arrays
  }
}

void AppendJsonAttributes(std::string& out, const Attributes& attrs) {
  out += '{';
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, attrs[i].first);
    out += ':';
    AppendJsonValue(out, attrs[i].second);
  }
  out += '}';
}

// Compact and pretty: strings quoted (unambiguous with spaces), everything else as rendered.
std::string TextValue(const AttributeValue& value) {
  if (auto* s = std::get_if<std::string>(&value)) {
    std::string out;
    AppendJsonString(out, *s);
    return out;
  }
  return AttributeValueToString(value);
}

std::string DurationMs(const SpanData& span) {
  double ms = span.end_time_unix_nano >= span.start_time_unix_nano
                  ? static_cast<double>(span.end_time_unix_nano - span.start_time_unix_nano) / 1e6
                  : 0.0;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", ms);
  return buf;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ANSI SGR sequences, empty when colours are off.
struct Palette {
  explicit Palette(bool on) : on_(on) {}
  const char* reset() const { return on_ ? "\x1b[0m" : ""; }
  const char* bold() const { return on_ ? "\x1b[1m" : ""; }
  const char* dim() const { return on_ ? "\x1b[2m" : ""; }
  const char* red() const { return on_ ? "\x1b[31m" : ""; }
  const char* green() const { return on_ ? "\x1b[32m" : ""; }
  const char* yellow() const { return on_ ? "\x1b[33m" : ""; }
  const char* cyan() const { return on_ ? "\x1b[36m" : ""; }
  bool on_;
};

const char* LevelColour(const Palette& p, ConsoleLevel level) {
  switch (level) {
    case ConsoleLevel::kError: return p.red();
    case ConsoleLevel::kWarn: return p.yellow();
    case ConsoleLevel::kInfo: return p.green();
    default: return p.dim();
  }
}

}  // namespace

Result<ConsoleFormat> ParseConsoleFormat(std::string_view text) {
  const std::string t = LowerAscii(text);
  if (t == "compact") return ConsoleFormat::kCompact;
  if (t == "pretty") return ConsoleFormat::kPretty;
  if (t == "json") return ConsoleFormat::kJson;
  return InvalidArgumentError("unknown console_format '" + std::string(text) + "'");
}

Result<ConsoleLevel> ParseConsoleLevel(std::string_view text) {
  const std::string t = LowerAscii(text);
  if (t == "trace") return ConsoleLevel::kTrace;
  if (t == "debug") return ConsoleLevel::kDebug;
  if (t == "info") return ConsoleLevel::kInfo;
  if (t == "warn" || t == "warning") return ConsoleLevel::kWarn;
  if (t == "error") return ConsoleLevel::kError;
  if (t == "off") return ConsoleLevel::kOff;
  return InvalidArgumentError("unknown console_level '" + std::string(text) + "'");
}

const char* ConsoleLevelName(ConsoleLevel level) {
  switch (level) {
    case ConsoleLevel::kTrace: return "trace";
    case ConsoleLevel::kDebug: return "debug";
    case ConsoleLevel::kInfo: return "info";
    case ConsoleLevel::kWarn: return "warn";
    case ConsoleLevel::kError: return "error";
    case ConsoleLevel::kOff: return "off";
  }
  return "info";
}

ConsoleLevel ConsoleLevelForSeverity(uint8_t severity_number) {
  if (severity_number == 0) return ConsoleLevel::kInfo;
  if (severity_number < kSeverityDebug) return ConsoleLevel::kTrace;
  if (severity_number < kSeverityInfo) return ConsoleLevel::kDebug;
  if (severity_number < kSeverityWarn) return ConsoleLevel::kInfo;
  if (severity_number < kSeverityError) return ConsoleLevel::kWarn;
  return ConsoleLevel::kError;
}

struct ConsoleSink::Impl {
  struct KeyState {
    SteadyClock::time_point last;
    uint64_t suppressed = 0;
  };
  static constexpr size_t kMaxKeys = 1024;  // bounds memory when keys are unbounded

  Impl(const ConsoleOptions& o, ConsoleFormat format)
      : palette(format == ConsoleFormat::kPretty &&
                o.color.value_or(!o.writer && isatty(STDERR_FILENO) == 1 &&
                                 std::getenv("NO_COLOR") == nullptr)),
        interval(o.diagnostic_interval) {
    spdlog::sink_ptr sink;
    if (o.writer) {
      sink = std::make_shared<WriterSink>(o.writer);
    } else {
      sink = std::make_shared<spdlog::sinks::stderr_sink_st>();
    }
    // Not registered in spdlog's global registry: the application may use spdlog itself.
    logger = std::make_shared<spdlog::logger>("pytracingx", std::move(sink));
    logger->set_pattern("%v");
    logger->set_level(ToSpdlog(o.level));
    logger->flush_on(spdlog::level::trace);
  }

  // Callers hold mu.
  void Write(ConsoleLevel level, const std::string& text) {
    logger->log(spdlog::source_loc{}, ToSpdlog(level), spdlog::string_view_t(text));
  }

  const Palette palette;
  const std::chrono::milliseconds interval;
  std::atomic<int> fork_holds{0};  // nesting depth of PrepareFork calls
  std::mutex mu;
  std::shared_ptr<spdlog::logger> logger;           // GUARDED_BY(mu)
  std::unordered_map<std::string, KeyState> keys;   // GUARDED_BY(mu)
};

ConsoleSink::ConsoleSink(ConsoleOptions options)
    : format_(options.format),
      level_(options.level),
      impl_(std::make_unique<Impl>(options, options.format)) {}

ConsoleSink::~ConsoleSink() = default;

namespace {

void AppendIds(std::string& out, const SpanData& span, const char* sep) {
  out += sep;
  out += "trace_id=";
  out += span.context.trace_id.ToHex();
  out += sep;
  out += "span_id=";
  out += span.context.span_id.ToHex();
  if (span.parent_span_id.valid()) {
    out += sep;
    out += "parent_id=";
    out += span.parent_span_id.ToHex();
  }
}

void AppendJsonHeader(std::string& out, const SpanData& span, ConsoleLevel level,
                      uint64_t ts, const char* event) {
  out += "{\"ts\":\"";
  out += Timestamp(ts);
  out += "\",\"level\":\"";
  out += ConsoleLevelName(level);
  out += "\",\"event\":\"";
  out += event;
  out += "\",\"name\":";
  AppendJsonString(out, span.name);
  out += ",\"kind\":\"";
  out += KindName(span.kind);
  out += "\",\"trace_id\":\"";
  out += span.context.trace_id.ToHex();
  out += "\",\"span_id\":\"";
  out += span.context.span_id.ToHex();
  out += '"';
  if (span.parent_span_id.valid()) {
    out += ",\"parent_span_id\":\"";
    out += span.parent_span_id.ToHex();
    out += '"';
  }
  if (span.scope != nullptr) {
    out += ",\"scope\":";
    AppendJsonString(out, span.scope->name);
  }
}

std::string FormatStart(ConsoleFormat format, const Palette& p, const SpanData& span) {
  const ConsoleLevel level = ConsoleLevel::kInfo;
  std::string out;
  out.reserve(256);
  switch (format) {
    case ConsoleFormat::kJson:
      AppendJsonHeader(out, span, level, span.start_time_unix_nano, "span_start");
      out += ",\"start_time_unix_nano\":" + std::to_string(span.start_time_unix_nano);
      out += ",\"attributes\":";
      AppendJsonAttributes(out, span.attributes);
      out += '}';
      break;
    case ConsoleFormat::kCompact:
      out += Timestamp(span.start_time_unix_nano);
      out += ' ';
      out += CompactLevel(level);
      out += " span.start ";
      AppendJsonString(out, span.name);
      out += " kind=";
      out += KindName(span.kind);
      AppendIds(out, span, " ");
      for (const auto& kv : span.attributes) out += ' ' + kv.first + '=' + TextValue(kv.second);
      break;
    case ConsoleFormat::kPretty:
      out += p.dim() + Timestamp(span.start_time_unix_nano) + p.reset() + ' ';
      out += p.cyan();
      out += ">> ";
      out += p.reset();
      out += p.bold() + span.name + p.reset();
      out += p.dim();
      out += " [";
      out += KindName(span.kind);
      out += ']';
      AppendIds(out, span, " ");
      out += p.reset();
      for (const auto& kv : span.attributes) {
        out += "\n    " + kv.first + " = " + TextValue(kv.second);
      }
      break;
  }
  return out;
}

std::string FormatEnd(ConsoleFormat format, const Palette& p, const SpanData& span,
                      ConsoleLevel level) {
  std::string out;
  out.reserve(512);
  const bool error = span.status_code == SpanStatusCode::kError;
  switch (format) {
    case ConsoleFormat::kJson:
      AppendJsonHeader(out, span, level, span.end_time_unix_nano, "span_end");
      out += ",\"start_time_unix_nano\":" + std::to_string(span.start_time_unix_nano);
      out += ",\"end_time_unix_nano\":" + std::to_string(span.end_time_unix_nano);
      out += ",\"duration_ms\":" + DurationMs(span);
      out += ",\"status\":\"";
      out += StatusName(span.status_code);
      out += '"';
      if (error && !span.status_message.empty()) {
        out += ",\"status_message\":";
        AppendJsonString(out, span.status_message);
      }
      out += ",\"attributes\":";
      AppendJsonAttributes(out, span.attributes);
      if (!span.events.empty()) {
        out += ",\"events\":[";
        for (size_t i = 0; i < span.events.size(); ++i) {
          const SpanEvent& e = span.events[i];
          if (i) out += ',';
          out += "{\"name\":";
          AppendJsonString(out, e.name);
          out += ",\"time_unix_nano\":" + std::to_string(e.time_unix_nano);
          out += ",\"attributes\":";
          AppendJsonAttributes(out, e.attributes);
          out += '}';
        }
        out += ']';
      }
      if (!span.links.empty()) {
        out += ",\"links\":[";
        for (size_t i = 0; i < span.links.size(); ++i) {
          const SpanLink& l = span.links[i];
          if (i) out += ',';
          out += "{\"trace_id\":\"" + l.context.trace_id.ToHex() + "\",\"span_id\":\"" +
                 l.context.span_id.ToHex() + "\",\"attributes\":";
          AppendJsonAttributes(out, l.attributes);
          out += '}';
        }
        out += ']';
      }
      if (span.dropped_attributes_count) {
        out += ",\"dropped_attributes_count\":" + std::to_string(span.dropped_attributes_count);
      }
      if (span.dropped_events_count) {
        out += ",\"dropped_events_count\":" + std::to_string(span.dropped_events_count);
      }
      if (span.dropped_links_count) {
        out += ",\"dropped_links_count\":" + std::to_string(span.dropped_links_count);
      }
      out += '}';
      break;
    case ConsoleFormat::kCompact:
      out += Timestamp(span.end_time_unix_nano);
      out += ' ';
      out += CompactLevel(level);
      out += " span.end ";
      AppendJsonString(out, span.name);
      out += " kind=";
      out += KindName(span.kind);
      AppendIds(out, span, " ");
      out += " duration_ms=" + DurationMs(span);
      out += " status=";
      out += StatusName(span.status_code);
      if (error && !span.status_message.empty()) {
        out += ':';
        AppendJsonString(out, span.status_message);
      }
      if (!span.events.empty()) out += " events=" + std::to_string(span.events.size());
      for (const auto& kv : span.attributes) out += ' ' + kv.first + '=' + TextValue(kv.second);
      break;
    case ConsoleFormat::kPretty: {
      const char* colour = error ? p.red()
                           : span.status_code == SpanStatusCode::kOk ? p.green()
                                                                    : "";
      out += p.dim() + Timestamp(span.end_time_unix_nano) + p.reset() + ' ';
      out += colour;
      out += "<< ";
      out += p.reset();
      out += p.bold() + span.name + p.reset();
      out += ' ' + DurationMs(span) + " ms ";
      out += colour;
      out += StatusName(span.status_code);
      if (error && !span.status_message.empty()) out += ": " + span.status_message;
      out += p.reset();
      out += p.dim();
      out += " [";
      out += KindName(span.kind);
      out += ']';
      AppendIds(out, span, " ");
      out += p.reset();
      for (const auto& kv : span.attributes) {
        out += "\n    " + kv.first + " = " + TextValue(kv.second);
      }
      for (const auto& e : span.events) {
        const double offset_ms =
            e.time_unix_nano >= span.start_time_unix_nano
                ? static_cast<double>(e.time_unix_nano - span.start_time_unix_nano) / 1e6
                : 0.0;
        char buf[32];
        std::snprintf(buf, sizeof(buf), "+%.3f ms", offset_ms);
        out += "\n    ";
        out += p.yellow();
        out += "* " + e.name;
        out += p.reset();
        out += p.dim();
        out += ' ';
        out += buf;
        out += p.reset();
        for (const auto& kv : e.attributes) {
          out += "\n        " + kv.first + " = " + TextValue(kv.second);
        }
      }
      break;
    }
  }
  return out;
}

// The text a log line shows as its message: a string body as is, anything else rendered.
std::string LogMessage(const LogRecordData& record) {
  if (!record.body) return {};
  if (auto* s = std::get_if<std::string>(&*record.body)) return *s;
  return AttributeValueToString(*record.body);
}

// The severity as the source named it, else the OpenTelemetry short name.
std::string LogSeverityText(const LogRecordData& record) {
  if (!record.severity_text.empty()) return record.severity_text;
  return SeverityRangeName(record.severity_number);
}

std::string FormatLog(ConsoleFormat format, const Palette& p, const LogRecordData& record,
                      ConsoleLevel level) {
  std::string out;
  out.reserve(256);
  const uint64_t ts =
      record.time_unix_nano != 0 ? record.time_unix_nano : record.observed_time_unix_nano;
  const bool has_ids = record.trace_id.valid();
  const bool has_span = record.span_id.valid();
  const std::string logger = record.scope != nullptr ? record.scope->name : std::string();
  switch (format) {
    case ConsoleFormat::kJson:
      out += "{\"ts\":\"" + Timestamp(ts) + "\",\"level\":\"";
      out += ConsoleLevelName(level);
      out += "\",\"event\":\"log\"";
      if (!logger.empty()) {
        out += ",\"logger\":";
        AppendJsonString(out, logger);
      }
      out += ",\"severity_number\":" + std::to_string(record.severity_number);
      out += ",\"severity_text\":";
      AppendJsonString(out, LogSeverityText(record));
      if (record.body) {
        out += ",\"body\":";
        AppendJsonValue(out, *record.body);
      }
      if (!record.event_name.empty()) {
        out += ",\"event_name\":";
        AppendJsonString(out, record.event_name);
      }
      if (has_ids) out += ",\"trace_id\":\"" + record.trace_id.ToHex() + '"';
      if (has_span) out += ",\"span_id\":\"" + record.span_id.ToHex() + '"';
      out += ",\"time_unix_nano\":" + std::to_string(record.time_unix_nano);
      out += ",\"attributes\":";
      AppendJsonAttributes(out, record.attributes);
      if (record.dropped_attributes_count) {
        out += ",\"dropped_attributes_count\":" + std::to_string(record.dropped_attributes_count);
      }
      out += '}';
      break;
    case ConsoleFormat::kCompact:
      out += Timestamp(ts);
      out += ' ';
      out += CompactLevel(level);
      out += " log";
      if (!logger.empty()) out += ' ' + logger;
      out += ' ';
      AppendJsonString(out, LogMessage(record));
      out += " severity=" + LogSeverityText(record);
      if (!record.event_name.empty()) out += " event=" + record.event_name;
      if (has_ids) out += " trace_id=" + record.trace_id.ToHex();
      if (has_span) out += " span_id=" + record.span_id.ToHex();
      for (const auto& kv : record.attributes) out += ' ' + kv.first + '=' + TextValue(kv.second);
      break;
    case ConsoleFormat::kPretty:
      out += p.dim() + Timestamp(ts) + p.reset() + ' ';
      out += LevelColour(p, level);
      out += CompactLevel(level);
      out += p.reset();
      if (!logger.empty()) out += ' ' + std::string(p.bold()) + logger + p.reset();
      out += ' ' + LogMessage(record);
      out += p.dim();
      if (!record.event_name.empty()) out += " [" + record.event_name + ']';
      if (has_ids) out += " trace_id=" + record.trace_id.ToHex();
      if (has_span) out += " span_id=" + record.span_id.ToHex();
      out += p.reset();
      for (const auto& kv : record.attributes) {
        out += "\n    " + kv.first + " = " + TextValue(kv.second);
      }
      break;
  }
  return out;
}

std::string FormatDiagnostic(ConsoleFormat format, const Palette& p, ConsoleLevel level,
                             std::string_view message, uint64_t suppressed) {
  std::string out;
  const uint64_t now = NowUnixNanos();
  switch (format) {
    case ConsoleFormat::kJson:
      out += "{\"ts\":\"" + Timestamp(now) + "\",\"level\":\"";
      out += ConsoleLevelName(level);
      out += "\",\"event\":\"diagnostic\",\"message\":";
      AppendJsonString(out, message);
      if (suppressed) out += ",\"suppressed\":" + std::to_string(suppressed);
      out += '}';
      break;
    case ConsoleFormat::kCompact:
    case ConsoleFormat::kPretty:
      if (format == ConsoleFormat::kPretty) out += p.dim();
      out += Timestamp(now);
      if (format == ConsoleFormat::kPretty) out += p.reset();
      out += ' ';
      if (format == ConsoleFormat::kPretty) out += LevelColour(p, level);
      out += CompactLevel(level);
      if (format == ConsoleFormat::kPretty) out += p.reset();
      out += " pytracingx: ";
      out.append(message.data(), message.size());
      if (suppressed) out += " (" + std::to_string(suppressed) + " similar suppressed)";
      break;
  }
  return out;
}

}  // namespace

void ConsoleSink::OnSpanStart(const SpanData& span) {
  if (!Enabled(ConsoleLevel::kInfo)) return;
  std::string text = FormatStart(format_, impl_->palette, span);
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->Write(ConsoleLevel::kInfo, text);
}

void ConsoleSink::OnSpanEnd(const SpanData& span) {
  const ConsoleLevel level =
      span.status_code == SpanStatusCode::kError ? ConsoleLevel::kError : ConsoleLevel::kInfo;
  if (!Enabled(level)) return;
  std::string text = FormatEnd(format_, impl_->palette, span, level);
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->Write(level, text);
}

void ConsoleSink::OnLogRecord(const LogRecordData& record) {
  const ConsoleLevel level = ConsoleLevelForSeverity(record.severity_number);
  if (!Enabled(level)) return;
  std::string text = FormatLog(format_, impl_->palette, record, level);
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->Write(level, text);
}

void ConsoleSink::Diagnostic(ConsoleLevel level, std::string_view message, std::string_view key) {
  if (!Enabled(level)) return;
  const std::string k(key.empty() ? message : key);
  const auto now = SteadyClock::now();
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->keys.find(k);
  if (it == impl_->keys.end()) {
    if (impl_->keys.size() >= Impl::kMaxKeys) impl_->keys.clear();
    impl_->keys.emplace(k, Impl::KeyState{now, 0});
    impl_->Write(level, FormatDiagnostic(format_, impl_->palette, level, message, 0));
    return;
  }
  Impl::KeyState& state = it->second;
  if (now - state.last < impl_->interval) {
    ++state.suppressed;
    return;
  }
  const uint64_t suppressed = state.suppressed;
  state = Impl::KeyState{now, 0};
  impl_->Write(level, FormatDiagnostic(format_, impl_->palette, level, message, suppressed));
}

std::function<void(std::string_view, std::string_view)> ConsoleDiagnostics(
    std::shared_ptr<ConsoleSink> sink, ConsoleLevel level) {
  return [sink = std::move(sink), level](std::string_view key, std::string_view message) {
    if (sink) sink->Diagnostic(level, message, key);
  };
}

// All three run on the forking thread, so only the outermost call takes or releases the lock.
void ConsoleSink::PrepareFork() {
  if (impl_->fork_holds.fetch_add(1) == 0) impl_->mu.lock();
}
void ConsoleSink::AfterForkParent() {
  if (impl_->fork_holds.fetch_sub(1) == 1) impl_->mu.unlock();
}
void ConsoleSink::AfterForkChild() {
  // A plain mutex locked before fork by this thread can be unlocked in the child.
  if (impl_->fork_holds.fetch_sub(1) == 1) impl_->mu.unlock();
}

}  // namespace ptx
