#include "ptx/sdk/console_sink.h"

#include <gtest/gtest.h>

#include <thread>

namespace ptx {
namespace {

using namespace std::chrono_literals;

struct Capture {
  explicit Capture(ConsoleFormat format, ConsoleLevel level = ConsoleLevel::kInfo,
                   std::optional<bool> color = std::nullopt,
                   std::chrono::milliseconds interval = 10s) {
    ConsoleOptions o;
    o.format = format;
    o.level = level;
    o.color = color;
    o.diagnostic_interval = interval;
    o.writer = [this](std::string_view line) { lines.emplace_back(line); };
    sink = std::make_unique<ConsoleSink>(o);
  }
  std::vector<std::string> lines;
  std::unique_ptr<ConsoleSink> sink;
};

SpanData SampleSpan() {
  SpanData s;
  s.context.trace_id = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  s.context.span_id = *SpanId::FromHex("00f067aa0ba902b7");
  s.context.trace_flags = kTraceFlagSampled;
  s.parent_span_id = *SpanId::FromHex("0102030405060708");
  s.name = "GET /users";
  s.kind = SpanKind::kServer;
  s.start_time_unix_nano = 1700000000123456789ull;
  s.end_time_unix_nano = 1700000000135802468ull;
  s.attributes = {{"http.method", std::string("GET")},
                  {"retry", int64_t{2}},
                  {"ratio", 0.5},
                  {"ok", true},
                  {"tags", std::vector<std::string>{"a", "b\"c"}},
                  {"bin", Bytes{"hi"}}};
  return s;
}

constexpr char kIds[] =
    "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\","
    "\"parent_span_id\":\"0102030405060708\"";
constexpr char kAttrs[] =
    "\"attributes\":{\"http.method\":\"GET\",\"retry\":2,\"ratio\":0.5,\"ok\":true,"
    "\"tags\":[\"a\",\"b\\\"c\"],\"bin\":\"aGk=\"}";

TEST(ConsoleSinkTest, JsonSpanStart) {
  Capture c(ConsoleFormat::kJson);
  c.sink->OnSpanStart(SampleSpan());
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0],
            std::string("{\"ts\":\"2023-11-14T22:13:20.123Z\",\"level\":\"info\",\"event\":"
                        "\"span_start\",\"name\":\"GET /users\",\"kind\":\"server\",") +
                kIds + ",\"start_time_unix_nano\":1700000000123456789," + kAttrs + "}");
}

TEST(ConsoleSinkTest, JsonSpanEndWithErrorEventsAndEscaping) {
  Capture c(ConsoleFormat::kJson);
  SpanData s = SampleSpan();
  s.status_code = SpanStatusCode::kError;
  s.status_message = "boom \"quoted\"\n\x01";
  s.events.push_back(SpanEvent{"exception", 1700000000130000000ull,
                               {{"exception.type", std::string("ValueError")}}, 0});
  s.dropped_attributes_count = 3;
  c.sink->OnSpanEnd(s);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0],
            std::string("{\"ts\":\"2023-11-14T22:13:20.135Z\",\"level\":\"error\",\"event\":"
                        "\"span_end\",\"name\":\"GET /users\",\"kind\":\"server\",") +
                kIds +
                ",\"start_time_unix_nano\":1700000000123456789,\"end_time_unix_nano\":"
                "1700000000135802468,\"duration_ms\":12.346,\"status\":\"ERROR\","
                "\"status_message\":\"boom \\\"quoted\\\"\\n\\u0001\"," +
                kAttrs +
                ",\"events\":[{\"name\":\"exception\",\"time_unix_nano\":1700000000130000000,"
                "\"attributes\":{\"exception.type\":\"ValueError\"}}],"
                "\"dropped_attributes_count\":3}");
}

TEST(ConsoleSinkTest, JsonRootSpanHasNoParentAndNonFiniteDoublesAreStrings) {
  Capture c(ConsoleFormat::kJson);
  SpanData s = SampleSpan();
  s.parent_span_id = SpanId{};
  s.attributes = {{"nan", std::numeric_limits<double>::quiet_NaN()}};
  s.status_code = SpanStatusCode::kOk;
  c.sink->OnSpanEnd(s);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].find("parent_span_id"), std::string::npos);
  EXPECT_NE(c.lines[0].find("\"level\":\"info\""), std::string::npos);
  EXPECT_NE(c.lines[0].find("\"status\":\"OK\""), std::string::npos);
  EXPECT_EQ(c.lines[0].find("status_message"), std::string::npos);
  EXPECT_NE(c.lines[0].find("\"attributes\":{\"nan\":\"NaN\"}"), std::string::npos);
}

TEST(ConsoleSinkTest, CompactLines) {
  Capture c(ConsoleFormat::kCompact);
  SpanData s = SampleSpan();
  s.attributes.resize(2);
  c.sink->OnSpanStart(s);
  s.status_code = SpanStatusCode::kError;
  s.status_message = "boom";
  s.events.push_back(SpanEvent{"e", 1, {}, 0});
  c.sink->OnSpanEnd(s);
  ASSERT_EQ(c.lines.size(), 2u);
  const std::string ids =
      "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 "
      "parent_id=0102030405060708";
  EXPECT_EQ(c.lines[0], "2023-11-14T22:13:20.123Z INFO  span.start \"GET /users\" kind=server " +
                            ids + " http.method=\"GET\" retry=2");
  EXPECT_EQ(c.lines[1], "2023-11-14T22:13:20.135Z ERROR span.end \"GET /users\" kind=server " +
                            ids +
                            " duration_ms=12.346 status=ERROR:\"boom\" events=1 "
                            "http.method=\"GET\" retry=2");
}

TEST(ConsoleSinkTest, PrettyColoursOnlyWhenAsked) {
  Capture plain(ConsoleFormat::kPretty);  // a writer is not a TTY: no colours by default
  plain.sink->OnSpanEnd(SampleSpan());
  ASSERT_EQ(plain.lines.size(), 1u);
  EXPECT_EQ(plain.lines[0].find('\x1b'), std::string::npos);
  EXPECT_NE(plain.lines[0].find("GET /users 12.346 ms UNSET"), std::string::npos)
      << plain.lines[0];
  EXPECT_NE(plain.lines[0].find("\n    retry = 2"), std::string::npos);

  Capture coloured(ConsoleFormat::kPretty, ConsoleLevel::kInfo, true);
  coloured.sink->OnSpanStart(SampleSpan());
  ASSERT_EQ(coloured.lines.size(), 1u);
  EXPECT_NE(coloured.lines[0].find("\x1b[1mGET /users\x1b[0m"), std::string::npos);

  Capture json_never(ConsoleFormat::kJson, ConsoleLevel::kInfo, true);
  json_never.sink->OnSpanStart(SampleSpan());
  EXPECT_EQ(json_never.lines.at(0).find('\x1b'), std::string::npos);
}

TEST(ConsoleSinkTest, LevelFiltering) {
  Capture c(ConsoleFormat::kCompact, ConsoleLevel::kError);
  SpanData s = SampleSpan();
  c.sink->OnSpanStart(s);
  c.sink->OnSpanEnd(s);
  c.sink->Diagnostic(ConsoleLevel::kWarn, "quiet");
  EXPECT_TRUE(c.lines.empty());
  s.status_code = SpanStatusCode::kError;
  c.sink->OnSpanEnd(s);
  c.sink->Diagnostic(ConsoleLevel::kError, "loud");
  EXPECT_EQ(c.lines.size(), 2u);

  Capture off(ConsoleFormat::kJson, ConsoleLevel::kOff);
  off.sink->OnSpanEnd(s);
  off.sink->Diagnostic(ConsoleLevel::kError, "x");
  EXPECT_TRUE(off.lines.empty());
  EXPECT_FALSE(off.sink->Enabled(ConsoleLevel::kError));
}

TEST(ConsoleSinkTest, DiagnosticsAreRateLimitedPerKey) {
  Capture c(ConsoleFormat::kJson, ConsoleLevel::kInfo, std::nullopt, 300ms);
  for (int i = 0; i < 5; ++i) c.sink->Diagnostic(ConsoleLevel::kWarn, "export failed: 503", "export");
  c.sink->Diagnostic(ConsoleLevel::kWarn, "queue full");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_NE(c.lines[0].find("\"level\":\"warn\",\"event\":\"diagnostic\","
                            "\"message\":\"export failed: 503\"}"),
            std::string::npos)
      << c.lines[0];
  std::this_thread::sleep_for(350ms);
  c.sink->Diagnostic(ConsoleLevel::kWarn, "export failed: 504", "export");
  ASSERT_EQ(c.lines.size(), 3u);
  EXPECT_NE(c.lines[2].find("\"message\":\"export failed: 504\",\"suppressed\":4}"),
            std::string::npos)
      << c.lines[2];

  Capture text(ConsoleFormat::kCompact, ConsoleLevel::kInfo, std::nullopt, 300ms);
  text.sink->Diagnostic(ConsoleLevel::kError, "m", "k");
  text.sink->Diagnostic(ConsoleLevel::kError, "m", "k");
  std::this_thread::sleep_for(350ms);
  text.sink->Diagnostic(ConsoleLevel::kError, "m", "k");
  ASSERT_EQ(text.lines.size(), 2u);
  EXPECT_NE(text.lines[0].find(" ERROR pytracingx: m"), std::string::npos) << text.lines[0];
  EXPECT_NE(text.lines[1].find("pytracingx: m (1 similar suppressed)"), std::string::npos);
}

TEST(ConsoleSinkTest, DiagnosticsCallbackForProcessors) {
  std::vector<std::string> lines;
  ConsoleOptions o;
  o.writer = [&lines](std::string_view line) { lines.emplace_back(line); };
  auto sink = std::make_shared<ConsoleSink>(o);
  auto callback = ConsoleDiagnostics(sink);
  callback("bsp.export_failed", "export of 3 span(s) failed: UNAVAILABLE: down");
  callback("bsp.export_failed", "export of 1 span(s) failed: UNAVAILABLE: down");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("WARN  pytracingx: export of 3 span(s) failed"), std::string::npos);
}

TEST(ConsoleSinkTest, ForkHandlersNest) {
  Capture c(ConsoleFormat::kCompact);
  c.sink->PrepareFork();  // e.g. two tracers sharing the sink
  c.sink->PrepareFork();
  c.sink->AfterForkParent();
  c.sink->AfterForkParent();
  c.sink->Diagnostic(ConsoleLevel::kWarn, "still usable");
  EXPECT_EQ(c.lines.size(), 1u);
}

TEST(ConsoleSinkTest, Parsing) {
  EXPECT_EQ(*ParseConsoleFormat("JSON"), ConsoleFormat::kJson);
  EXPECT_EQ(*ParseConsoleFormat("pretty"), ConsoleFormat::kPretty);
  EXPECT_EQ(*ParseConsoleFormat("Compact"), ConsoleFormat::kCompact);
  auto bad = ParseConsoleFormat("fancy");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "unknown console_format 'fancy'");
  EXPECT_EQ(*ParseConsoleLevel("WARN"), ConsoleLevel::kWarn);
  EXPECT_EQ(*ParseConsoleLevel("warning"), ConsoleLevel::kWarn);
  EXPECT_EQ(*ParseConsoleLevel("off"), ConsoleLevel::kOff);
  EXPECT_EQ(*ParseConsoleLevel("trace"), ConsoleLevel::kTrace);
  EXPECT_FALSE(ParseConsoleLevel("verbose").ok());
  EXPECT_STREQ(ConsoleLevelName(ConsoleLevel::kDebug), "debug");
}

TEST(ConsoleSinkTest, ConcurrentWritersNeverInterleave) {
  Capture c(ConsoleFormat::kJson);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) c.sink->OnSpanEnd(SampleSpan());
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(c.lines.size(), 800u);
  for (const auto& line : c.lines) ASSERT_EQ(line, c.lines[0]);
}

}  // namespace
}  // namespace ptx
