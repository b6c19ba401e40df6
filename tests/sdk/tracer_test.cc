#include "ptx/sdk/tracer.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "ptx/sdk/batch_span_processor.h"
#include "ptx/sdk/console_sink.h"
#include "ptx/sdk/scope_registry.h"
#include "test_util.h"

namespace ptx {
namespace {

using testing::CollectingProcessor;
using testing::FixedSampler;
using testing::FollowParentSampler;
using Sink = CollectingProcessor::Sink;

TracePipeline Pipeline(std::unique_ptr<Sampler> sampler, std::shared_ptr<Sink> sink) {
  TracePipeline p;
  p.sampler = std::move(sampler);
  p.processor = std::make_unique<CollectingProcessor>(std::move(sink));
  return p;
}

std::unique_ptr<Tracer> MakeTracer(std::vector<TracePipeline> pipelines, SpanLimits limits = {}) {
  TracerOptions options;
  options.limits = limits;
  options.pipelines = std::move(pipelines);
  auto tracer = Tracer::Create(std::move(options));
  EXPECT_TRUE(tracer.ok()) << tracer.status().ToString();
  return std::move(tracer).value();
}

struct OnePipeline {
  explicit OnePipeline(SpanLimits limits = {}) {
    std::vector<TracePipeline> p;
    p.push_back(Pipeline(std::make_unique<FixedSampler>(true), sink));
    tracer = MakeTracer(std::move(p), limits);
  }
  const SpanData& Only() {
    EXPECT_EQ(sink->spans.size(), 1u);
    return *sink->spans.at(0);
  }
  std::shared_ptr<Sink> sink = std::make_shared<Sink>();
  std::unique_ptr<Tracer> tracer;
};

StartSpanOptions Named(std::string name) {
  StartSpanOptions o;
  o.name = std::move(name);
  return o;
}

TEST(TracerTest, RootSpanRecordsAndEnds) {
  OnePipeline t;
  StartSpanOptions o = Named("root");
  o.kind = SpanKind::kServer;
  o.start_time_unix_nano = 1000;
  o.scope = ScopeRegistry::Intern("lib", "1.0");
  LiveSpan span = t.tracer->StartSpan(std::move(o));
  EXPECT_TRUE(span.recording());
  EXPECT_TRUE(span.context().valid());
  EXPECT_TRUE(span.context().sampled());
  EXPECT_FALSE(span.context().is_remote);
  EXPECT_EQ(span.pipeline_mask(), 1);
  span.End(5000);
  EXPECT_FALSE(span.recording());
  span.End(9000);  // idempotent
  const SpanData& d = t.Only();
  EXPECT_EQ(d.name, "root");
  EXPECT_EQ(d.kind, SpanKind::kServer);
  EXPECT_EQ(d.start_time_unix_nano, 1000u);
  EXPECT_EQ(d.end_time_unix_nano, 5000u);
  EXPECT_FALSE(d.parent_span_id.valid());
  EXPECT_EQ(d.context.trace_id, span.context().trace_id);
  EXPECT_EQ(d.context.span_id, span.context().span_id);
  EXPECT_EQ(d.scope, ScopeRegistry::Intern("lib", "1.0"));
  EXPECT_EQ(d.scope->name, "lib");
  EXPECT_EQ(t.sink->started, 1);
}

TEST(TracerTest, DefaultTimesAreNow) {
  OnePipeline t;
  const uint64_t before = NowUnixNanos();
  LiveSpan span = t.tracer->StartSpan(Named("s"));
  span.AddEvent("e");
  span.End();
  const uint64_t after = NowUnixNanos();
  const SpanData& d = t.Only();
  EXPECT_GE(d.start_time_unix_nano, before);
  EXPECT_LE(d.start_time_unix_nano, d.events.at(0).time_unix_nano);
  EXPECT_LE(d.events.at(0).time_unix_nano, d.end_time_unix_nano);
  EXPECT_LE(d.end_time_unix_nano, after);
}

TEST(TracerTest, ChildrenKeepTraceIdAndParent) {
  std::vector<TracePipeline> p;
  auto sink = std::make_shared<Sink>();
  p.push_back(Pipeline(std::make_unique<FollowParentSampler>(), sink));
  auto tracer = MakeTracer(std::move(p));

  LiveSpan root = tracer->StartSpan(Named("root"));
  StartSpanOptions child_options = Named("child");
  child_options.parent = root.context();
  LiveSpan child = tracer->StartSpan(std::move(child_options));
  EXPECT_EQ(child.context().trace_id, root.context().trace_id);
  EXPECT_NE(child.context().span_id, root.context().span_id);
  EXPECT_TRUE(child.context().sampled());
  child.End();
  root.End();
  ASSERT_EQ(sink->spans.size(), 2u);
  EXPECT_EQ(sink->spans[0]->parent_span_id, root.context().span_id);
  EXPECT_FALSE(sink->spans[0]->parent_is_remote);

  // A remote, unsampled parent: same trace, not recorded, flag propagated as 0.
  SpanContext remote;
  remote.trace_id = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  remote.span_id = *SpanId::FromHex("00f067aa0ba902b7");
  remote.trace_flags = 0;
  remote.trace_state = "congo=t61rcWkgMzE";
  remote.is_remote = true;
  StartSpanOptions unsampled = Named("unsampled");
  unsampled.parent = remote;
  LiveSpan u = tracer->StartSpan(std::move(unsampled));
  EXPECT_FALSE(u.recording());
  EXPECT_TRUE(u.context().valid());
  EXPECT_FALSE(u.context().sampled());
  EXPECT_EQ(u.context().trace_id, remote.trace_id);
  EXPECT_EQ(u.context().trace_state, "congo=t61rcWkgMzE");
  EXPECT_EQ(u.data(), nullptr);

  // The same remote parent, sampled: recorded with parent_is_remote.
  remote.trace_flags = kTraceFlagSampled;
  StartSpanOptions sampled = Named("sampled");
  sampled.parent = remote;
  LiveSpan s = tracer->StartSpan(std::move(sampled));
  EXPECT_TRUE(s.recording());
  s.End();
  ASSERT_EQ(sink->spans.size(), 3u);
  EXPECT_EQ(sink->spans[2]->parent_span_id, remote.span_id);
  EXPECT_TRUE(sink->spans[2]->parent_is_remote);
  EXPECT_EQ(sink->spans[2]->context.trace_state, "congo=t61rcWkgMzE");

  // An invalid parent means a new root.
  StartSpanOptions invalid_parent = Named("new-root");
  invalid_parent.parent = SpanContext{};
  LiveSpan r2 = tracer->StartSpan(std::move(invalid_parent));
  EXPECT_NE(r2.context().trace_id, root.context().trace_id);
  EXPECT_TRUE(r2.context().trace_id.valid());
}

TEST(TracerTest, SamplingMaskSelectsPipelines) {
  auto on = std::make_shared<Sink>();
  auto off = std::make_shared<Sink>();
  std::vector<TracePipeline> p;
  p.push_back(Pipeline(std::make_unique<FixedSampler>(true), on));
  p.push_back(Pipeline(std::make_unique<FixedSampler>(false), off));
  auto tracer = MakeTracer(std::move(p));
  LiveSpan span = tracer->StartSpan(Named("s"));
  EXPECT_EQ(span.pipeline_mask(), 0b01);
  EXPECT_TRUE(span.context().sampled());
  span.End();
  EXPECT_EQ(on->spans.size(), 1u);
  EXPECT_EQ(off->spans.size(), 0u);
  EXPECT_EQ(on->started, 1);
  EXPECT_EQ(off->started, 0);
}

TEST(TracerTest, RealSamplersAlwaysOnAndAlwaysOff) {
  auto on = std::make_shared<Sink>();
  auto off = std::make_shared<Sink>();
  auto on_sampler = MakeSampler("always_on", std::nullopt);
  auto off_sampler = MakeSampler("always_off", std::nullopt);
  ASSERT_TRUE(on_sampler.ok() && off_sampler.ok());
  std::vector<TracePipeline> p;
  p.push_back(Pipeline(std::move(on_sampler).value(), on));
  p.push_back(Pipeline(std::move(off_sampler).value(), off));
  auto tracer = MakeTracer(std::move(p));
  for (int i = 0; i < 10; ++i) tracer->StartSpan(Named("s")).End();
  EXPECT_EQ(on->spans.size(), 10u);
  EXPECT_TRUE(off->spans.empty());
}

TEST(TracerTest, ParentBasedChildrenFollowTheRoot) {
  auto sink = std::make_shared<Sink>();
  auto sampler = MakeSampler("parentbased_traceidratio", 0.5);
  ASSERT_TRUE(sampler.ok());
  std::vector<TracePipeline> p;
  p.push_back(Pipeline(std::move(sampler).value(), sink));
  auto tracer = MakeTracer(std::move(p));
  int recorded_roots = 0;
  for (int i = 0; i < 200; ++i) {
    LiveSpan root = tracer->StartSpan(Named("root"));
    StartSpanOptions o = Named("child");
    o.parent = root.context();
    LiveSpan child = tracer->StartSpan(std::move(o));
    EXPECT_EQ(child.recording(), root.recording());
    EXPECT_EQ(child.context().sampled(), root.context().sampled());
    EXPECT_EQ(child.context().trace_id, root.context().trace_id);
    recorded_roots += root.recording() ? 1 : 0;
    child.End();
    root.End();
  }
  EXPECT_GT(recorded_roots, 50);
  EXPECT_LT(recorded_roots, 150);
  EXPECT_EQ(sink->spans.size(), static_cast<size_t>(2 * recorded_roots));
  for (size_t i = 0; i + 1 < sink->spans.size(); i += 2) {
    EXPECT_EQ(sink->spans[i]->parent_span_id, sink->spans[i + 1]->context.span_id);
  }
}

TEST(TracerTest, EveryPipelineGetsItsOwnCopy) {
  auto a = std::make_shared<Sink>();
  auto b = std::make_shared<Sink>();
  auto c = std::make_shared<Sink>();
  std::vector<TracePipeline> p;
  p.push_back(Pipeline(std::make_unique<FixedSampler>(true), a));
  p.push_back(Pipeline(std::make_unique<FixedSampler>(false), b));
  p.push_back(Pipeline(std::make_unique<FixedSampler>(true), c));
  auto tracer = MakeTracer(std::move(p));
  LiveSpan span = tracer->StartSpan(Named("s"));
  span.SetAttribute("k", std::string("v"));
  EXPECT_EQ(span.pipeline_mask(), 0b101);
  span.End();
  ASSERT_EQ(a->spans.size(), 1u);
  ASSERT_EQ(c->spans.size(), 1u);
  EXPECT_TRUE(b->spans.empty());
  EXPECT_NE(a->spans[0].get(), c->spans[0].get());
  EXPECT_EQ(a->spans[0]->attributes, c->spans[0]->attributes);
  EXPECT_EQ(a->spans[0]->context.span_id, c->spans[0]->context.span_id);
}

TEST(TracerTest, NoPipelineSelectsMeansCheapNoOps) {
  auto off = std::make_shared<Sink>();
  std::vector<TracePipeline> p;
  p.push_back(Pipeline(std::make_unique<FixedSampler>(false), off));
  auto tracer = MakeTracer(std::move(p));
  LiveSpan span = tracer->StartSpan(Named("s"));
  EXPECT_FALSE(span.recording());
  EXPECT_TRUE(span.context().valid());
  EXPECT_FALSE(span.context().sampled());
  EXPECT_EQ(span.data(), nullptr);
  span.SetAttribute("k", int64_t{1});
  span.AddEvent("e");
  span.SetStatus(SpanStatusCode::kError, "x");
  span.RecordException("T", "m", "st");
  span.End();
  EXPECT_TRUE(span.ended());
  EXPECT_TRUE(off->spans.empty());

  LiveSpan empty;
  EXPECT_FALSE(empty.context().valid());
  empty.End();
}

TEST(TracerTest, AttributeLimitsAndTruncation) {
  SpanLimits limits;
  limits.max_attributes = 2;
  limits.max_attribute_value_length = 3;
  OnePipeline t(limits);
  StartSpanOptions o = Named("s");
  o.attributes = {{"a", std::string("abcdef")}, {"a", std::string("xy")}, {"", int64_t{1}},
                  {"b", std::vector<std::string>{"12345", "z"}}, {"c", true}};
  LiveSpan span = t.tracer->StartSpan(std::move(o));
  span.SetAttribute("d", 1.5);                          // dropped: full
  span.SetAttribute("a", std::string("héllo"));        // replaced in place, 3 characters
  span.SetAttributes({{"e", int64_t{2}}, {"b", int64_t{3}}});
  span.End();
  const SpanData& d = t.Only();
  ASSERT_EQ(d.attributes.size(), 2u);
  EXPECT_EQ(d.attributes[0], (KeyValue{"a", std::string("hél")}));
  EXPECT_EQ(d.attributes[1], (KeyValue{"b", int64_t{3}}));
  EXPECT_EQ(d.dropped_attributes_count, 3u);  // c, d, e
}

// Distinct keys within the limit: the start options' vector is taken whole, still truncated.
TEST(TracerTest, DistinctStartAttributesKeepOrderAndAreTruncated) {
  SpanLimits limits;
  limits.max_attributes = 3;
  limits.max_attribute_value_length = 3;
  OnePipeline t(limits);
  StartSpanOptions o = Named("s");
  o.attributes = {{"z", std::string("abcdef")}, {"a", int64_t{1}}, {"m", std::vector<std::string>{"12345"}}};
  LiveSpan span = t.tracer->StartSpan(std::move(o));
  span.SetAttribute("a", int64_t{2});  // replaced in place
  span.SetAttribute("n", true);        // dropped: full
  span.End();
  const SpanData& d = t.Only();
  ASSERT_EQ(d.attributes.size(), 3u);
  EXPECT_EQ(d.attributes[0], (KeyValue{"z", std::string("abc")}));
  EXPECT_EQ(d.attributes[1], (KeyValue{"a", int64_t{2}}));
  EXPECT_EQ(d.attributes[2], (KeyValue{"m", std::vector<std::string>{"123"}}));
  EXPECT_EQ(d.dropped_attributes_count, 1u);
}

TEST(TracerTest, EventAndLinkLimits) {
  SpanLimits limits;
  limits.max_events = 2;
  limits.max_links = 1;
  limits.max_attributes_per_event = 1;
  limits.max_attributes_per_link = 1;
  OnePipeline t(limits);
  SpanContext target;
  target.trace_id = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  target.span_id = *SpanId::FromHex("00f067aa0ba902b7");
  StartSpanOptions o = Named("s");
  o.links.push_back(SpanLink{target, {{"x", int64_t{1}}, {"y", int64_t{2}}}, 0});
  o.links.push_back(SpanLink{target, {}, 0});
  LiveSpan span = t.tracer->StartSpan(std::move(o));
  span.AddLink(target);
  span.AddLink(SpanContext{});  // invalid, no attributes: ignored, not counted
  span.AddEvent("e1", {{"k1", int64_t{1}}, {"k2", int64_t{2}}}, 10);
  span.AddEvent("e2");
  span.AddEvent("e3");
  span.End();
  const SpanData& d = t.Only();
  ASSERT_EQ(d.links.size(), 1u);
  EXPECT_EQ(d.links[0].context.span_id, target.span_id);
  EXPECT_EQ(d.links[0].attributes.size(), 1u);
  EXPECT_EQ(d.links[0].dropped_attributes_count, 1u);
  EXPECT_EQ(d.dropped_links_count, 2u);
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[0].name, "e1");
  EXPECT_EQ(d.events[0].time_unix_nano, 10u);
  EXPECT_EQ(d.events[0].attributes.size(), 1u);
  EXPECT_EQ(d.events[0].dropped_attributes_count, 1u);
  EXPECT_EQ(d.dropped_events_count, 1u);
}

TEST(TracerTest, InvalidLinkWithAttributesIsKept) {
  OnePipeline t;
  LiveSpan span = t.tracer->StartSpan(Named("s"));
  span.AddLink(SpanContext{}, {{"reason", std::string("batch")}});
  span.End();
  EXPECT_EQ(t.Only().links.size(), 1u);
}

TEST(TracerTest, StatusRules) {
  OnePipeline t;
  {
    LiveSpan s = t.tracer->StartSpan(Named("error-then-unset"));
    s.SetStatus(SpanStatusCode::kError, "boom");
    s.SetStatus(SpanStatusCode::kUnset, "ignored");
    s.End();
  }
  {
    LiveSpan s = t.tracer->StartSpan(Named("ok-is-final"));
    s.SetStatus(SpanStatusCode::kOk, "description dropped");
    s.SetStatus(SpanStatusCode::kError, "too late");
    s.End();
  }
  {
    LiveSpan s = t.tracer->StartSpan(Named("error-then-ok"));
    s.SetStatus(SpanStatusCode::kError, "first");
    s.SetStatus(SpanStatusCode::kError, "second");
    s.SetStatus(SpanStatusCode::kOk);
    s.End();
  }
  ASSERT_EQ(t.sink->spans.size(), 3u);
  EXPECT_EQ(t.sink->spans[0]->status_code, SpanStatusCode::kError);
  EXPECT_EQ(t.sink->spans[0]->status_message, "boom");
  EXPECT_EQ(t.sink->spans[1]->status_code, SpanStatusCode::kOk);
  EXPECT_EQ(t.sink->spans[1]->status_message, "");
  EXPECT_EQ(t.sink->spans[2]->status_code, SpanStatusCode::kOk);
  EXPECT_EQ(t.sink->spans[2]->status_message, "");
}

TEST(TracerTest, RecordException) {
  OnePipeline t;
  LiveSpan s = t.tracer->StartSpan(Named("s"));
  s.RecordException("ValueError", "bad value", "Traceback...", {{"extra", int64_t{7}}}, true);
  s.RecordException("KeyError", "k", "tb", {{"exception.message", std::string("override")}});
  s.UpdateName("renamed");
  s.End();
  const SpanData& d = t.Only();
  EXPECT_EQ(d.name, "renamed");
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(d.events[0].name, "exception");
  Attributes expected = {{"exception.type", std::string("ValueError")},
                         {"exception.message", std::string("bad value")},
                         {"exception.stacktrace", std::string("Traceback...")},
                         {"exception.escaped", true},
                         {"extra", int64_t{7}}};
  EXPECT_EQ(d.events[0].attributes, expected);
  Attributes expected2 = {{"exception.type", std::string("KeyError")},
                          {"exception.message", std::string("override")},
                          {"exception.stacktrace", std::string("tb")}};
  EXPECT_EQ(d.events[1].attributes, expected2);
}

TEST(TracerTest, CreateValidatesPipelines) {
  std::vector<TracePipeline> nine;
  for (int i = 0; i < 9; ++i) {
    nine.push_back(Pipeline(std::make_unique<FixedSampler>(true), std::make_shared<Sink>()));
  }
  TracerOptions too_many;
  too_many.pipelines = std::move(nine);
  auto r = Tracer::Create(std::move(too_many));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);

  TracerOptions no_sampler;
  no_sampler.pipelines.emplace_back();
  no_sampler.pipelines[0].processor =
      std::make_unique<CollectingProcessor>(std::make_shared<Sink>());
  EXPECT_FALSE(Tracer::Create(std::move(no_sampler)).ok());
}

TEST(TracerTest, EightPipelines) {
  std::vector<std::shared_ptr<Sink>> sinks;
  std::vector<TracePipeline> p;
  for (int i = 0; i < 8; ++i) {
    sinks.push_back(std::make_shared<Sink>());
    p.push_back(Pipeline(std::make_unique<FixedSampler>(i % 2 == 1), sinks.back()));
  }
  auto tracer = MakeTracer(std::move(p));
  LiveSpan s = tracer->StartSpan(Named("s"));
  EXPECT_EQ(s.pipeline_mask(), 0b10101010);
  s.End();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(sinks[i]->spans.size(), i % 2 == 1 ? 1u : 0u) << i;
}

TEST(TracerTest, ShutdownMakesNewSpansNoOps) {
  OnePipeline t;
  LiveSpan before = t.tracer->StartSpan(Named("before"));
  EXPECT_TRUE(t.tracer->Shutdown(SteadyClock::now() + std::chrono::seconds(1)));
  EXPECT_TRUE(t.tracer->is_shutdown());
  EXPECT_TRUE(t.tracer->Shutdown(SteadyClock::now()));  // idempotent: first result
  LiveSpan after = t.tracer->StartSpan(Named("after"));
  EXPECT_FALSE(after.recording());
  EXPECT_TRUE(after.context().valid());
  after.End();
  before.End();  // reaches the (shut down) processor, which drops it
  EXPECT_TRUE(t.sink->spans.empty());
}

TEST(TracerTest, SpanMayOutliveTracer) {
  auto sink = std::make_shared<Sink>();
  std::vector<TracePipeline> p;
  p.push_back(Pipeline(std::make_unique<FixedSampler>(true), sink));
  auto tracer = MakeTracer(std::move(p));
  LiveSpan span = tracer->StartSpan(Named("late"));
  tracer.reset();
  span.SetAttribute("k", int64_t{1});
  span.End();  // no crash; the processor is shut down and drops it
  EXPECT_TRUE(sink->spans.empty());
}

TEST(TracerTest, ConsoleOnlyModeRecordsForTheConsoleAndSamplesParentBased) {
  auto tracer = MakeTracer({});
  std::vector<std::string> lines;
  ConsoleOptions co;
  co.format = ConsoleFormat::kJson;
  co.writer = [&lines](std::string_view line) { lines.emplace_back(line); };
  tracer->SetConsole(std::make_shared<ConsoleSink>(co));

  LiveSpan root = tracer->StartSpan(Named("console-root"));
  EXPECT_TRUE(root.recording());          // the console collects it
  EXPECT_TRUE(root.context().sampled());  // parentbased_always_on: a root is sampled
  EXPECT_TRUE(root.context().valid());
  root.SetAttribute("k", std::string("v"));
  root.End();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("\"event\":\"span_start\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"event\":\"span_end\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"attributes\":{\"k\":\"v\"}"), std::string::npos);
  EXPECT_NE(lines[1].find(root.context().span_id.ToHex()), std::string::npos);

  // The sampled flag passes through from a remote parent in console-only mode.
  SpanContext remote;
  remote.trace_id = *TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  remote.span_id = *SpanId::FromHex("00f067aa0ba902b7");
  remote.trace_flags = kTraceFlagSampled;
  remote.is_remote = true;
  StartSpanOptions o = Named("child");
  o.parent = remote;
  LiveSpan child = tracer->StartSpan(std::move(o));
  EXPECT_TRUE(child.context().sampled());
  EXPECT_TRUE(child.recording());

  // An unsampled caller stays unsampled downstream.
  remote.trace_flags = 0;
  StartSpanOptions u = Named("unsampled child");
  u.parent = remote;
  EXPECT_FALSE(tracer->StartSpan(std::move(u)).context().sampled());

  tracer->SetConsole(nullptr);
  lines.clear();
  tracer->StartSpan(Named("silent")).End();
  EXPECT_TRUE(lines.empty());
}

TEST(TracerTest, ConsolePrintsOnlySelectedSpansWhenPipelinesExist) {
  auto off = std::make_shared<Sink>();
  std::vector<TracePipeline> p;
  p.push_back(Pipeline(std::make_unique<FixedSampler>(false), off));
  auto tracer = MakeTracer(std::move(p));
  std::vector<std::string> lines;
  ConsoleOptions co;
  co.writer = [&lines](std::string_view line) { lines.emplace_back(line); };
  tracer->SetConsole(std::make_shared<ConsoleSink>(co));
  tracer->StartSpan(Named("dropped")).End();
  EXPECT_TRUE(lines.empty());
}

TEST(TracerTest, MovedFromSpanIsEndedAndInvalid) {
  OnePipeline t;
  LiveSpan a = t.tracer->StartSpan(Named("moved"));
  const SpanId id = a.context().span_id;
  LiveSpan b = std::move(a);
  EXPECT_FALSE(a.recording());  // NOLINT(bugprone-use-after-move): checking the contract
  EXPECT_FALSE(a.context().valid());
  a.End();
  EXPECT_TRUE(t.sink->spans.empty());
  LiveSpan c;
  c = std::move(b);
  EXPECT_TRUE(c.recording());
  c.End();
  ASSERT_EQ(t.sink->spans.size(), 1u);
  EXPECT_EQ(t.sink->spans[0]->context.span_id, id);
}

TEST(TracerTest, EndToEndThroughBatchProcessorAndFork) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer cannot follow threads started after a multi-threaded fork";
#endif
  auto log = std::make_shared<testing::ExportLog>();
  BatchOptions bo;
  bo.schedule_delay = std::chrono::hours(1);
  std::vector<TracePipeline> p;
  TracePipeline pipeline;
  pipeline.sampler = std::make_unique<FixedSampler>(true);
  pipeline.processor =
      std::make_unique<BatchSpanProcessor>(std::make_unique<testing::FakeExporter>(log), bo);
  p.push_back(std::move(pipeline));
  TracerOptions options;
  options.resource = BuildResource({});
  options.pipelines = std::move(p);
  auto tracer = std::move(Tracer::Create(std::move(options))).value();

  tracer->StartSpan(Named("parent-before-fork")).End();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  tracer->PrepareFork();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    tracer->AfterForkChild();
    close(fds[0]);
    tracer->StartSpan(Named("child")).End();
    const bool flushed = tracer->ForceFlush(SteadyClock::now() + std::chrono::seconds(5));
    int64_t pid_attr = 0;
    for (const auto& kv : tracer->resource().attributes) {
      if (kv.first == "process.pid") pid_attr = std::get<int64_t>(kv.second);
    }
    std::string report;
    {
      std::lock_guard<std::mutex> lock(log->mu);
      for (const auto& n : log->names) report += n + ",";
    }
    report += flushed ? "flushed" : "not-flushed";
    report += pid_attr == getpid() ? ",pid-ok" : ",pid-stale";
    report += tracer->Shutdown(SteadyClock::now() + std::chrono::seconds(5)) ? ",shut" : ",?";
    ssize_t ignored = write(fds[1], report.data(), report.size());
    (void)ignored;
    _exit(0);
  }
  tracer->AfterForkParent();
  close(fds[1]);
  std::string report;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) report.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(report, "child,flushed,pid-ok,shut");

  EXPECT_TRUE(tracer->ForceFlush(SteadyClock::now() + std::chrono::seconds(5)));
  ProcessorStats s = tracer->Stats();
  EXPECT_EQ(s.queued, 1u);
  EXPECT_EQ(s.exported, 1u);
  EXPECT_TRUE(tracer->Shutdown(SteadyClock::now() + std::chrono::seconds(5)));
  std::lock_guard<std::mutex> lock(log->mu);
  EXPECT_EQ(log->names, (std::vector<std::string>{"parent-before-fork"}));
}

TEST(TracerTest, StatsSumPipelines) {
  auto tracer = MakeTracer({});
  EXPECT_EQ(tracer->Stats().queued, 0u);
  EXPECT_TRUE(tracer->PipelineStats().empty());
  EXPECT_TRUE(tracer->ForceFlush(SteadyClock::now()));
  EXPECT_EQ(tracer->pipeline_count(), 0u);
}

}  // namespace
}  // namespace ptx
