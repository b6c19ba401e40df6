#include "ptx/sdk/logs/log_emitter.h"

#include <gtest/gtest.h>

#include "ptx/sdk/console_sink.h"
#include "ptx/sdk/scope_registry.h"

namespace ptx {
namespace {

using namespace std::chrono_literals;

// Keeps every record it receives; thread-safe.
class CollectingLogProcessor : public LogRecordProcessor {
 public:
  struct Sink {
    std::mutex mu;
    std::vector<std::unique_ptr<LogRecordData>> records;
    bool shutdown = false;
  };
  explicit CollectingLogProcessor(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}
  void OnEmit(std::unique_ptr<LogRecordData> record) override {
    std::lock_guard<std::mutex> lock(sink_->mu);
    sink_->records.push_back(std::move(record));
  }
  bool ForceFlush(SteadyClock::time_point) override { return true; }
  bool Shutdown(SteadyClock::time_point) override {
    std::lock_guard<std::mutex> lock(sink_->mu);
    sink_->shutdown = true;
    return true;
  }
  ProcessorStats Stats() const override {
    std::lock_guard<std::mutex> lock(sink_->mu);
    ProcessorStats s;
    s.queued = sink_->records.size();
    return s;
  }

 private:
  std::shared_ptr<Sink> sink_;
};

std::unique_ptr<LogRecordData> SampleRecord() {
  auto r = std::make_unique<LogRecordData>();
  r->time_unix_nano = 1700000000123456789ull;
  r->severity_number = kSeverityWarn;
  r->severity_text = "WARNING";
  r->body = std::string("disk almost full");
  r->attributes = {{"disk", std::string("/dev/sda")}, {"used", 0.93}};
  r->trace_id = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  r->span_id = *SpanId::FromHex("00f067aa0ba902b7");
  r->trace_flags = kTraceFlagSampled;
  r->scope = ScopeRegistry::Intern("app.disk", "");
  return r;
}

TEST(LogEmitterTest, StampsLimitsAndFansOutToEveryPipeline) {
  auto a = std::make_shared<CollectingLogProcessor::Sink>();
  auto b = std::make_shared<CollectingLogProcessor::Sink>();
  LogEmitterOptions o;
  o.limits.max_attributes = 1;
  o.pipelines.push_back(std::make_unique<CollectingLogProcessor>(a));
  o.pipelines.push_back(std::make_unique<CollectingLogProcessor>(b));
  auto emitter = std::move(LogEmitter::Create(std::move(o))).value();
  EXPECT_EQ(emitter->pipeline_count(), 2u);
  EXPECT_TRUE(emitter->Enabled(kSeverityTrace));

  const uint64_t before = NowUnixNanos();
  emitter->Emit(SampleRecord());
  auto kept = SampleRecord();
  kept->observed_time_unix_nano = 42;
  emitter->Emit(std::move(kept));
  emitter->Emit(nullptr);  // ignored

  for (auto* sink : {a.get(), b.get()}) {
    std::lock_guard<std::mutex> lock(sink->mu);
    ASSERT_EQ(sink->records.size(), 2u);
    const LogRecordData& r = *sink->records[0];
    EXPECT_GE(r.observed_time_unix_nano, before);
    EXPECT_LE(r.observed_time_unix_nano, NowUnixNanos());
    EXPECT_EQ(r.time_unix_nano, 1700000000123456789ull);
    ASSERT_EQ(r.attributes.size(), 1u);
    EXPECT_EQ(r.dropped_attributes_count, 1u);
    EXPECT_EQ(std::get<std::string>(*r.body), "disk almost full");
    EXPECT_EQ(sink->records[1]->observed_time_unix_nano, 42u);
  }
  EXPECT_NE(a->records[0].get(), b->records[0].get());
  EXPECT_EQ(emitter->Stats().queued, 4u);
  ASSERT_EQ(emitter->PipelineStats().size(), 2u);

  EXPECT_TRUE(emitter->ForceFlush(SteadyClock::now() + 1s));
  EXPECT_TRUE(emitter->Shutdown(SteadyClock::now() + 1s));
  EXPECT_TRUE(emitter->Shutdown(SteadyClock::now() + 1s));
  EXPECT_TRUE(emitter->is_shutdown());
  EXPECT_FALSE(emitter->Enabled(kSeverityFatal));
  emitter->Emit(SampleRecord());  // a no-op now
  std::lock_guard<std::mutex> lock(a->mu);
  EXPECT_TRUE(a->shutdown);
  EXPECT_EQ(a->records.size(), 2u);
}

TEST(LogEmitterTest, RejectsANullPipeline) {
  LogEmitterOptions o;
  o.pipelines.push_back(nullptr);
  EXPECT_EQ(LogEmitter::Create(std::move(o)).status().code(), StatusCode::kInvalidArgument);
}

struct Capture {
  Capture(ConsoleFormat format, ConsoleLevel level) {
    ConsoleOptions o;
    o.format = format;
    o.level = level;
    o.color = false;
    o.writer = [this](std::string_view line) { lines.emplace_back(line); };
    sink = std::make_shared<ConsoleSink>(o);
  }
  std::vector<std::string> lines;
  std::shared_ptr<ConsoleSink> sink;
};

TEST(LogEmitterTest, ConsoleOnlyModePrintsByLevel) {
  auto emitter = std::move(LogEmitter::Create({})).value();
  EXPECT_FALSE(emitter->Enabled(kSeverityError));  // nowhere to go yet
  Capture c(ConsoleFormat::kCompact, ConsoleLevel::kWarn);
  emitter->SetConsole(c.sink);
  EXPECT_TRUE(emitter->Enabled(kSeverityWarn));
  EXPECT_FALSE(emitter->Enabled(kSeverityInfo));
  emitter->Emit(SampleRecord());
  auto info = SampleRecord();
  info->severity_number = kSeverityInfo;
  emitter->Emit(std::move(info));  // below warn: not printed
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0],
            "2023-11-14T22:13:20.123Z WARN  log app.disk \"disk almost full\" severity=WARNING "
            "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 "
            "disk=\"/dev/sda\" used=0.93");
  emitter->SetConsole(nullptr);
  emitter->Emit(SampleRecord());
  EXPECT_EQ(c.lines.size(), 1u);
}

TEST(ConsoleSinkLogTest, JsonLine) {
  Capture c(ConsoleFormat::kJson, ConsoleLevel::kInfo);
  auto r = SampleRecord();
  r->severity_number = kSeverityFatal;
  r->severity_text.clear();
  r->event_name = "disk.alert";
  c.sink->OnLogRecord(*r);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0],
            "{\"ts\":\"2023-11-14T22:13:20.123Z\",\"level\":\"error\",\"event\":\"log\","
            "\"logger\":\"app.disk\",\"severity_number\":21,\"severity_text\":\"FATAL\","
            "\"body\":\"disk almost full\",\"event_name\":\"disk.alert\","
            "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\","
            "\"time_unix_nano\":1700000000123456789,"
            "\"attributes\":{\"disk\":\"/dev/sda\",\"used\":0.93}}");
}

TEST(ConsoleSinkLogTest, PrettyLinesAndTimeFallback) {
  Capture c(ConsoleFormat::kPretty, ConsoleLevel::kTrace);
  LogRecordData r;
  r.observed_time_unix_nano = 1700000000123456789ull;
  r.severity_number = 2;
  r.body = int64_t{7};
  r.attributes = {{"k", true}};
  c.sink->OnLogRecord(r);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0], "2023-11-14T22:13:20.123Z TRACE 7\n    k = true");
}

TEST(ConsoleSinkLogTest, LevelOffPrintsNothing) {
  Capture c(ConsoleFormat::kCompact, ConsoleLevel::kOff);
  c.sink->OnLogRecord(*SampleRecord());
  EXPECT_TRUE(c.lines.empty());
}

}  // namespace
}  // namespace ptx
