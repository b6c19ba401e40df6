#include "ptx/context/propagators.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace ptx {
namespace {

constexpr char kTraceparent[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

SpanContext SampleContext() {
  SpanContext context;
  context.trace_id = *TraceId::FromHex("0af7651916cd43dd8448eb211c80319c");
  context.span_id = *SpanId::FromHex("b7ad6b7169203331");
  context.trace_flags = kTraceFlagSampled;
  return context;
}

Propagators Only(std::vector<PropagatorKind> kinds) { return Propagators(kinds); }

TEST(ContextPropagatorsTest, ParsesOtelPropagators) {
  ParsedPropagators parsed = ParsePropagators("");
  EXPECT_EQ(parsed.propagators.ToString(), "tracecontext,baggage");
  EXPECT_TRUE(parsed.warnings.empty());

  EXPECT_EQ(ParsePropagators("  ").propagators.ToString(), "tracecontext,baggage");
  EXPECT_EQ(ParsePropagators("tracecontext,baggage").propagators.kinds(),
            (std::vector<PropagatorKind>{PropagatorKind::kTraceContext, PropagatorKind::kBaggage}));
  EXPECT_EQ(ParsePropagators(" B3 , b3multi,,").propagators.kinds(),
            (std::vector<PropagatorKind>{PropagatorKind::kB3, PropagatorKind::kB3Multi}));
  EXPECT_EQ(ParsePropagators("b3,b3,baggage").propagators.ToString(), "b3,baggage");

  ParsedPropagators none = ParsePropagators("none");
  EXPECT_TRUE(none.propagators.empty());
  EXPECT_EQ(none.propagators.ToString(), "none");
  EXPECT_TRUE(none.warnings.empty());
}

TEST(ContextPropagatorsTest, UnknownNamesAreWarningsNotErrors) {
  ParsedPropagators parsed = ParsePropagators("foo,tracecontext,Jaeger");
  EXPECT_EQ(parsed.propagators.ToString(), "tracecontext");
  EXPECT_EQ(parsed.warnings, (std::vector<std::string>{"unknown propagator 'foo'",
                                                       "propagator 'Jaeger' is not supported"}));

  ParsedPropagators mixed = ParsePropagators("none,b3");
  EXPECT_TRUE(mixed.propagators.empty());
  EXPECT_EQ(mixed.warnings,
            (std::vector<std::string>{"propagator 'none' given with others; using none"}));

  ParsedPropagators all_unknown = ParsePropagators("bogus");
  EXPECT_TRUE(all_unknown.propagators.empty());
  EXPECT_EQ(all_unknown.warnings.size(), 1u);
}

TEST(ContextPropagatorsTest, FieldsListsWhatInjectMayWrite) {
  EXPECT_EQ(Propagators::Default().Fields(),
            (std::vector<std::string_view>{"traceparent", "tracestate", "baggage"}));
  EXPECT_EQ(Only({PropagatorKind::kB3, PropagatorKind::kB3Multi}).Fields(),
            (std::vector<std::string_view>{"b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled"}));
  EXPECT_TRUE(Propagators().Fields().empty());
}

TEST(ContextPropagatorsTest, InjectsDefaultHeaders) {
  SpanContext context = SampleContext();
  context.trace_state = "congo=t61rcWkgMzE";
  Baggage baggage;
  baggage.Set("user", "alice smith");
  Headers headers = Propagators::Default().Inject(&context, &baggage);
  EXPECT_EQ(headers, (Headers{{"traceparent", kTraceparent},
                              {"tracestate", "congo=t61rcWkgMzE"},
                              {"baggage", "user=alice%20smith"}}));
}

TEST(ContextPropagatorsTest, InjectSkipsWhatIsAbsent) {
  SpanContext context = SampleContext();
  Baggage empty;
  EXPECT_EQ(Propagators::Default().Inject(&context, &empty),
            (Headers{{"traceparent", kTraceparent}}));
  Baggage baggage;
  baggage.Set("k", "v");
  EXPECT_EQ(Propagators::Default().Inject(nullptr, &baggage), (Headers{{"baggage", "k=v"}}));
  SpanContext invalid;
  EXPECT_TRUE(Propagators::Default().Inject(&invalid, nullptr).empty());
  EXPECT_TRUE(Propagators().Inject(&context, &baggage).empty());
}

TEST(ContextPropagatorsTest, InjectsB3SingleAndMulti) {
  SpanContext context = SampleContext();
  EXPECT_EQ(Only({PropagatorKind::kB3}).Inject(&context, nullptr),
            (Headers{{"b3", "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"}}));
  context.trace_flags = 0;
  EXPECT_EQ(Only({PropagatorKind::kB3Multi}).Inject(&context, nullptr),
            (Headers{{"x-b3-traceid", "0af7651916cd43dd8448eb211c80319c"},
                     {"x-b3-spanid", "b7ad6b7169203331"},
                     {"x-b3-sampled", "0"}}));
}

TEST(ContextPropagatorsTest, ExtractMatchesNamesCaseInsensitively) {
  Headers headers = {{"TraceParent", kTraceparent},
                     {"TRACESTATE", "foo=1 , bar=2"},
                     {"Baggage", "k=v%21;p"}};
  ExtractResult result = Propagators::Default().Extract(headers);
  ASSERT_TRUE(result.context.has_value());
  EXPECT_EQ(result.context->trace_id.ToHex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(result.context->span_id.ToHex(), "b7ad6b7169203331");
  EXPECT_TRUE(result.context->sampled());
  EXPECT_TRUE(result.context->is_remote);
  EXPECT_EQ(result.context->trace_state, "foo=1,bar=2");
  EXPECT_EQ(result.baggage.entries, (std::vector<BaggageEntry>{{"k", "v!", "p"}}));
}

TEST(ContextPropagatorsTest, GetterReceivesLowercaseNames) {
  std::vector<std::string> asked;
  Propagators all({PropagatorKind::kTraceContext, PropagatorKind::kBaggage, PropagatorKind::kB3,
                   PropagatorKind::kB3Multi});
  ExtractResult result = all.Extract([&asked](std::string_view key) -> std::optional<std::string> {
    asked.emplace_back(key);
    return std::nullopt;
  });
  EXPECT_FALSE(result.context.has_value());
  EXPECT_TRUE(result.baggage.empty());
  for (const std::string& key : asked) {
    for (char c : key) EXPECT_FALSE(c >= 'A' && c <= 'Z') << key;
  }
  EXPECT_EQ(asked.front(), "traceparent");
}

TEST(ContextPropagatorsTest, InvalidTraceparentIgnoresTracestateButKeepsBaggage) {
  Headers headers = {{"traceparent", "00-00000000000000000000000000000000-b7ad6b7169203331-01"},
                     {"tracestate", "foo=1"},
                     {"baggage", "k=v"}};
  ExtractResult result = Propagators::Default().Extract(headers);
  EXPECT_FALSE(result.context.has_value());
  ASSERT_EQ(result.baggage.entries.size(), 1u);
}

TEST(ContextPropagatorsTest, InvalidTracestateIsDroppedEntirely) {
  Headers headers = {{"traceparent", kTraceparent}, {"tracestate", "foo=1,foo=2"}};
  ExtractResult result = Propagators::Default().Extract(headers);
  ASSERT_TRUE(result.context.has_value());
  EXPECT_EQ(result.context->trace_state, "");
}

TEST(ContextPropagatorsTest, LaterPropagatorWins) {
  Headers headers = {{"traceparent", kTraceparent},
                     {"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0"}};
  ExtractResult b3_last = Only({PropagatorKind::kTraceContext, PropagatorKind::kB3}).Extract(headers);
  ASSERT_TRUE(b3_last.context.has_value());
  EXPECT_EQ(b3_last.context->trace_id.ToHex(), "80f198ee56343ba864fe8b2a57d3eff7");
  EXPECT_FALSE(b3_last.context->sampled());

  ExtractResult w3c_last = Only({PropagatorKind::kB3, PropagatorKind::kTraceContext}).Extract(headers);
  ASSERT_TRUE(w3c_last.context.has_value());
  EXPECT_EQ(w3c_last.context->trace_id.ToHex(), "0af7651916cd43dd8448eb211c80319c");

  // A propagator that finds nothing does not erase an earlier result.
  Headers only_w3c = {{"traceparent", kTraceparent}};
  EXPECT_TRUE(Only({PropagatorKind::kTraceContext, PropagatorKind::kB3}).Extract(only_w3c).context);
}

TEST(ContextPropagatorsTest, B3SingleBeforeMulti) {
  Headers both = {{"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"},
                  {"X-B3-TraceId", "0af7651916cd43dd8448eb211c80319c"},
                  {"X-B3-SpanId", "b7ad6b7169203331"},
                  {"X-B3-Sampled", "0"}};
  for (PropagatorKind kind : {PropagatorKind::kB3, PropagatorKind::kB3Multi}) {
    ExtractResult result = Only({kind}).Extract(both);
    ASSERT_TRUE(result.context.has_value());
    EXPECT_EQ(result.context->trace_id.ToHex(), "80f198ee56343ba864fe8b2a57d3eff7");
    EXPECT_TRUE(result.context->sampled());
  }

  Headers bad_single = both;
  bad_single[0].second = "not-a-b3-header";
  ExtractResult fallback = Only({PropagatorKind::kB3}).Extract(bad_single);
  ASSERT_TRUE(fallback.context.has_value());
  EXPECT_EQ(fallback.context->trace_id.ToHex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_FALSE(fallback.context->sampled());

  Headers multi_debug = {{"x-b3-traceid", "64fe8b2a57d3eff7"},
                         {"x-b3-spanid", "e457b5a2e4d86bd1"},
                         {"x-b3-flags", "1"}};
  ExtractResult debug = Only({PropagatorKind::kB3Multi}).Extract(multi_debug);
  ASSERT_TRUE(debug.context.has_value());
  EXPECT_EQ(debug.context->trace_id.ToHex(), "000000000000000064fe8b2a57d3eff7");
  EXPECT_TRUE(debug.context->sampled());
}

TEST(ContextPropagatorsTest, B3DenyYieldsNoContext) {
  ExtractResult result = Only({PropagatorKind::kB3}).Extract(Headers{{"b3", "0"}});
  EXPECT_FALSE(result.context.has_value());
}

TEST(ContextPropagatorsTest, RoundTripThroughEveryPropagator) {
  SpanContext context = SampleContext();
  context.trace_state = "rojo=00f067aa0ba902b7";
  Baggage baggage;
  baggage.Set("k", "v w", "p=1");
  for (PropagatorKind kind : {PropagatorKind::kTraceContext, PropagatorKind::kB3,
                              PropagatorKind::kB3Multi}) {
    Propagators propagators({kind, PropagatorKind::kBaggage});
    std::map<std::string, std::string> carrier;
    propagators.Inject(&context, &baggage, [&carrier](std::string_view k, std::string_view v) {
      carrier[std::string(k)] = std::string(v);
    });
    ExtractResult result =
        propagators.Extract([&carrier](std::string_view key) -> std::optional<std::string> {
          auto it = carrier.find(std::string(key));
          if (it == carrier.end()) return std::nullopt;
          return it->second;
        });
    ASSERT_TRUE(result.context.has_value()) << PropagatorName(kind);
    EXPECT_EQ(result.context->trace_id, context.trace_id);
    EXPECT_EQ(result.context->span_id, context.span_id);
    EXPECT_EQ(result.context->trace_flags, context.trace_flags);
    EXPECT_TRUE(result.context->is_remote);
    EXPECT_EQ(result.context->trace_state,
              kind == PropagatorKind::kTraceContext ? context.trace_state : "");
    EXPECT_EQ(result.baggage.entries, baggage.entries);
  }
}

TEST(ContextPropagatorsTest, NoneDoesNothing) {
  Headers headers = {{"traceparent", kTraceparent}, {"baggage", "k=v"}};
  ExtractResult result = Propagators().Extract(headers);
  EXPECT_FALSE(result.context.has_value());
  EXPECT_TRUE(result.baggage.empty());
}

}  // namespace
}  // namespace ptx
