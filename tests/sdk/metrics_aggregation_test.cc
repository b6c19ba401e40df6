#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ptx/sdk/metrics/meter_provider.h"

namespace ptx {
namespace {

// A provider with one pull-only reader per preference and a settable clock.
class MetricsFixture {
 public:
  explicit MetricsFixture(std::vector<TemporalityPreference> preferences,
                          size_t cardinality_limit = 2000) {
    MeterProviderOptions o;
    o.cardinality_limit = cardinality_limit;
    o.clock = [this] { return now.load(); };
    o.diagnostics = [this](std::string_view key, std::string_view message) {
      std::lock_guard<std::mutex> lock(mu);
      diagnostics.emplace_back(std::string(key) + ": " + std::string(message));
    };
    std::vector<std::unique_ptr<MetricReader>> readers;
    for (auto p : preferences) readers.push_back(std::make_unique<MetricReader>(p));
    provider = std::make_unique<MeterProvider>(std::move(o), std::move(readers));
  }
  explicit MetricsFixture(TemporalityPreference p = TemporalityPreference::kCumulative,
                          size_t cardinality_limit = 2000)
      : MetricsFixture(std::vector<TemporalityPreference>{p}, cardinality_limit) {}

  // Kept alive for the whole test, so that pointers into a collection stay valid.
  const std::vector<ScopeMetrics>& CollectAt(uint64_t t, size_t reader = 0) {
    now = t;
    collections.push_back(provider->reader(reader).Collect());
    return collections.back();
  }
  std::vector<std::string> Diagnostics() {
    std::lock_guard<std::mutex> lock(mu);
    return diagnostics;
  }

  std::atomic<uint64_t> now{100};
  std::unique_ptr<MeterProvider> provider;
  std::mutex mu;
  std::vector<std::string> diagnostics;
  std::deque<std::vector<ScopeMetrics>> collections;
};

const MetricData* FindMetric(const std::vector<ScopeMetrics>& scopes, const std::string& name) {
  for (const auto& s : scopes) {
    for (const auto& m : s.metrics) {
      if (m.name == name) return &m;
    }
  }
  return nullptr;
}

const NumberPoint* FindPoint(const MetricData& m, const Attributes& attrs) {
  for (const auto& p : m.number_points) {
    if (p.attributes == attrs) return &p;
  }
  return nullptr;
}

int64_t IntOf(const NumberPoint& p) { return std::get<int64_t>(p.value); }
double DoubleOf(const NumberPoint& p) { return std::get<double>(p.value); }

Attributes A(std::string key, AttributeValue v) { return {{std::move(key), std::move(v)}}; }

TEST(MetricsAggregationTest, TemporalityForFollowsThePreferences) {
  using K = InstrumentKind;
  using P = TemporalityPreference;
  constexpr auto kD = AggregationTemporality::kDelta;
  constexpr auto kC = AggregationTemporality::kCumulative;
  constexpr auto kU = AggregationTemporality::kUnspecified;
  for (auto p : {P::kCumulative, P::kDelta, P::kLowMemory}) {
    EXPECT_EQ(TemporalityFor(K::kUpDownCounter, p), kC);
    EXPECT_EQ(TemporalityFor(K::kObservableUpDownCounter, p), kC);
    EXPECT_EQ(TemporalityFor(K::kGauge, p), kU);
    EXPECT_EQ(TemporalityFor(K::kObservableGauge, p), kU);
  }
  EXPECT_EQ(TemporalityFor(K::kCounter, P::kCumulative), kC);
  EXPECT_EQ(TemporalityFor(K::kHistogram, P::kCumulative), kC);
  EXPECT_EQ(TemporalityFor(K::kObservableCounter, P::kCumulative), kC);
  EXPECT_EQ(TemporalityFor(K::kCounter, P::kDelta), kD);
  EXPECT_EQ(TemporalityFor(K::kHistogram, P::kDelta), kD);
  EXPECT_EQ(TemporalityFor(K::kObservableCounter, P::kDelta), kD);
  EXPECT_EQ(TemporalityFor(K::kCounter, P::kLowMemory), kD);
  EXPECT_EQ(TemporalityFor(K::kHistogram, P::kLowMemory), kD);
  EXPECT_EQ(TemporalityFor(K::kObservableCounter, P::kLowMemory), kC);
}

TEST(MetricsAggregationTest, CumulativeCounterKeepsTheSeriesStartTime) {
  MetricsFixture f;
  Counter c = f.provider->GetMeter("app", "1.0").CreateCounter("requests", {"1", "reqs", {}}).value();
  f.now = 150;
  ASSERT_TRUE(c.Add(int64_t{5}, A("route", std::string("/a"))).ok());
  auto first = f.CollectAt(200);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].scope.name, "app");
  EXPECT_EQ(first[0].scope.version, "1.0");
  const MetricData* m = FindMetric(first, "requests");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->kind, MetricDataKind::kSum);
  EXPECT_EQ(m->temporality, AggregationTemporality::kCumulative);
  EXPECT_TRUE(m->monotonic);
  EXPECT_EQ(m->unit, "1");
  EXPECT_EQ(m->description, "reqs");
  ASSERT_EQ(m->number_points.size(), 1u);
  EXPECT_EQ(IntOf(m->number_points[0]), 5);
  EXPECT_EQ(m->number_points[0].start_time_unix_nano, 150u);
  EXPECT_EQ(m->number_points[0].time_unix_nano, 200u);

  f.now = 250;
  ASSERT_TRUE(c.Add(int64_t{3}, A("route", std::string("/a"))).ok());
  ASSERT_TRUE(c.Add(int64_t{1}, A("route", std::string("/b"))).ok());
  auto second = f.CollectAt(300);
  m = FindMetric(second, "requests");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->number_points.size(), 2u);
  const NumberPoint* a = FindPoint(*m, A("route", std::string("/a")));
  const NumberPoint* b = FindPoint(*m, A("route", std::string("/b")));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(IntOf(*a), 8);
  EXPECT_EQ(a->start_time_unix_nano, 150u);
  EXPECT_EQ(a->time_unix_nano, 300u);
  EXPECT_EQ(IntOf(*b), 1);
  EXPECT_EQ(b->start_time_unix_nano, 250u);

  // Nothing new: cumulative series are still reported.
  auto third = f.CollectAt(400);
  m = FindMetric(third, "requests");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(IntOf(*FindPoint(*m, A("route", std::string("/a")))), 8);
}

TEST(MetricsAggregationTest, DeltaCounterStartsAtThePreviousCollection) {
  MetricsFixture f(TemporalityPreference::kDelta);
  Counter c = f.provider->GetMeter("app").CreateCounter("requests").value();  // at 100
  f.now = 150;
  ASSERT_TRUE(c.Add(int64_t{5}).ok());
  auto first = f.CollectAt(200);
  const MetricData* m = FindMetric(first, "requests");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->temporality, AggregationTemporality::kDelta);
  ASSERT_EQ(m->number_points.size(), 1u);
  EXPECT_EQ(IntOf(m->number_points[0]), 5);
  EXPECT_TRUE(m->number_points[0].attributes.empty());
  EXPECT_EQ(m->number_points[0].start_time_unix_nano, 100u);
  EXPECT_EQ(m->number_points[0].time_unix_nano, 200u);

  ASSERT_TRUE(c.Add(int64_t{3}).ok());
  ASSERT_TRUE(c.Add(int64_t{4}).ok());
  auto second = f.CollectAt(300);
  m = FindMetric(second, "requests");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->number_points.size(), 1u);
  EXPECT_EQ(IntOf(m->number_points[0]), 7);
  EXPECT_EQ(m->number_points[0].start_time_unix_nano, 200u);
  EXPECT_EQ(m->number_points[0].time_unix_nano, 300u);

  // An interval without measurements has no points, hence no metric.
  EXPECT_EQ(FindMetric(f.CollectAt(400), "requests"), nullptr);
  ASSERT_TRUE(c.Add(int64_t{1}).ok());
  m = FindMetric(f.CollectAt(500), "requests");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(IntOf(m->number_points[0]), 1);
  EXPECT_EQ(m->number_points[0].start_time_unix_nano, 400u);
}

TEST(MetricsAggregationTest, UpDownCounterStaysCumulativeUnderDelta) {
  MetricsFixture f(TemporalityPreference::kDelta);
  UpDownCounter u = f.provider->GetMeter("app").CreateUpDownCounter("queue").value();
  f.now = 120;
  ASSERT_TRUE(u.Add(int64_t{5}).ok());
  ASSERT_TRUE(u.Add(int64_t{-7}).ok());
  const MetricData* m = FindMetric(f.CollectAt(200), "queue");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->temporality, AggregationTemporality::kCumulative);
  EXPECT_FALSE(m->monotonic);
  EXPECT_EQ(IntOf(m->number_points[0]), -2);
  ASSERT_TRUE(u.Add(int64_t{10}).ok());
  m = FindMetric(f.CollectAt(300), "queue");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(IntOf(m->number_points[0]), 8);
  EXPECT_EQ(m->number_points[0].start_time_unix_nano, 120u);
}

TEST(MetricsAggregationTest, LowMemoryMakesSyncCountersAndHistogramsDelta) {
  MetricsFixture f(TemporalityPreference::kLowMemory);
  Meter meter = f.provider->GetMeter("app");
  Counter c = meter.CreateCounter("c").value();
  Histogram h = meter.CreateHistogram("h").value();
  UpDownCounter u = meter.CreateUpDownCounter("u").value();
  int64_t observed = 0;
  ASSERT_TRUE(meter
                  .CreateObservableCounter("oc", {[&](std::vector<Observation>* out) {
                                             observed += 10;
                                             out->push_back({observed, {}});
                                             return Status::Ok();
                                           }})
                  .ok());
  ASSERT_TRUE(c.Add(int64_t{1}).ok());
  ASSERT_TRUE(h.Record(int64_t{1}).ok());
  ASSERT_TRUE(u.Add(int64_t{1}).ok());
  f.CollectAt(200);
  ASSERT_TRUE(c.Add(int64_t{2}).ok());
  ASSERT_TRUE(h.Record(int64_t{2}).ok());
  ASSERT_TRUE(u.Add(int64_t{2}).ok());
  auto second = f.CollectAt(300);
  EXPECT_EQ(FindMetric(second, "c")->temporality, AggregationTemporality::kDelta);
  EXPECT_EQ(IntOf(FindMetric(second, "c")->number_points[0]), 2);
  EXPECT_EQ(FindMetric(second, "h")->temporality, AggregationTemporality::kDelta);
  EXPECT_EQ(FindMetric(second, "h")->histogram_points[0].count, 1u);
  EXPECT_EQ(FindMetric(second, "u")->temporality, AggregationTemporality::kCumulative);
  EXPECT_EQ(IntOf(FindMetric(second, "u")->number_points[0]), 3);
  EXPECT_EQ(FindMetric(second, "oc")->temporality, AggregationTemporality::kCumulative);
  EXPECT_EQ(IntOf(FindMetric(second, "oc")->number_points[0]), 20);
}

TEST(MetricsAggregationTest, IntsStayIntsAndFloatsMakeADouble) {
  MetricsFixture f;
  Meter meter = f.provider->GetMeter("app");
  Counter ints = meter.CreateCounter("ints").value();
  Counter mixed = meter.CreateCounter("mixed").value();
  ASSERT_TRUE(ints.Add(int64_t{2}).ok());
  ASSERT_TRUE(ints.Add(int64_t{3}).ok());
  ASSERT_TRUE(mixed.Add(int64_t{2}).ok());
  ASSERT_TRUE(mixed.Add(0.5).ok());
  auto got = f.CollectAt(200);
  EXPECT_EQ(IntOf(FindMetric(got, "ints")->number_points[0]), 5);
  EXPECT_DOUBLE_EQ(DoubleOf(FindMetric(got, "mixed")->number_points[0]), 2.5);
}

TEST(MetricsAggregationTest, NegativeCounterAddIsRejected) {
  MetricsFixture f;
  Counter c = f.provider->GetMeter("app").CreateCounter("c").value();
  EXPECT_EQ(c.Add(int64_t{-1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.Add(-0.5).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(c.Add(int64_t{0}).ok());
  EXPECT_EQ(IntOf(FindMetric(f.CollectAt(200), "c")->number_points[0]), 0);
}

TEST(MetricsAggregationTest, HistogramBucketEdgesGoToTheLowerBucket) {
  MetricsFixture f;
  InstrumentOptions o;
  o.boundaries = std::vector<double>{0, 5, 10};
  Histogram h = f.provider->GetMeter("app").CreateHistogram("latency", o).value();
  f.now = 110;
  for (double v : {-1.0, 0.0, 0.5, 5.0, 5.0001, 10.0, 11.0}) ASSERT_TRUE(h.Record(v).ok());
  ASSERT_TRUE(h.Record(int64_t{10}).ok());
  const MetricData* m = FindMetric(f.CollectAt(200), "latency");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->kind, MetricDataKind::kHistogram);
  EXPECT_EQ(m->temporality, AggregationTemporality::kCumulative);
  ASSERT_EQ(m->histogram_points.size(), 1u);
  const HistogramPoint& p = m->histogram_points[0];
  EXPECT_EQ(p.bounds, (std::vector<double>{0, 5, 10}));
  // (-inf,0]: -1, 0   (0,5]: 0.5, 5   (5,10]: 5.0001, 10, 10   (10,+inf): 11
  EXPECT_EQ(p.bucket_counts, (std::vector<uint64_t>{2, 2, 3, 1}));
  EXPECT_EQ(p.count, 8u);
  EXPECT_DOUBLE_EQ(p.sum, -1 + 0 + 0.5 + 5 + 5.0001 + 10 + 11 + 10);
  EXPECT_EQ(p.min, -1.0);
  EXPECT_EQ(p.max, 11.0);
  EXPECT_EQ(p.start_time_unix_nano, 110u);
}

TEST(MetricsAggregationTest, HistogramDefaultsAndValidation) {
  MetricsFixture f;
  Meter meter = f.provider->GetMeter("app");
  Histogram h = meter.CreateHistogram("h").value();
  ASSERT_TRUE(h.Record(int64_t{7}).ok());
  const HistogramPoint& p = FindMetric(f.CollectAt(200), "h")->histogram_points[0];
  EXPECT_EQ(p.bounds, DefaultHistogramBoundaries());
  EXPECT_EQ(p.bucket_counts.size(), 16u);
  EXPECT_EQ(p.bucket_counts[2], 1u);  // (5, 10]

  InstrumentOptions bad;
  bad.boundaries = std::vector<double>{1, 1};
  EXPECT_EQ(meter.CreateHistogram("bad1", bad).status().code(), StatusCode::kInvalidArgument);
  bad.boundaries = std::vector<double>{1, std::numeric_limits<double>::infinity()};
  EXPECT_EQ(meter.CreateHistogram("bad2", bad).status().code(), StatusCode::kInvalidArgument);
  InstrumentOptions none;
  none.boundaries = std::vector<double>{};
  Histogram single = meter.CreateHistogram("single", none).value();
  ASSERT_TRUE(single.Record(3.0).ok());
  EXPECT_EQ(FindMetric(f.CollectAt(300), "single")->histogram_points[0].bucket_counts,
            (std::vector<uint64_t>{1}));
}

TEST(MetricsAggregationTest, NonFiniteValuesNeverPoisonSumsMinOrMax) {
  MetricsFixture f;
  Meter meter = f.provider->GetMeter("app");
  Histogram h = meter.CreateHistogram("h").value();
  Counter c = meter.CreateCounter("c").value();
  UpDownCounter u = meter.CreateUpDownCounter("u").value();
  Gauge g = meter.CreateGauge("g").value();
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double v : {nan, inf, -inf}) {
    EXPECT_TRUE(h.Record(v).ok());
    EXPECT_TRUE(c.Add(v).ok());
    EXPECT_TRUE(u.Add(v).ok());
  }
  ASSERT_TRUE(h.Record(3.0).ok());
  ASSERT_TRUE(c.Add(2.0).ok());
  ASSERT_TRUE(u.Add(int64_t{-4}).ok());
  ASSERT_TRUE(g.Record(nan).ok());  // gauges take any value: nothing accumulates
  auto got = f.CollectAt(200);
  const HistogramPoint& p = FindMetric(got, "h")->histogram_points[0];
  EXPECT_EQ(p.count, 1u);
  EXPECT_EQ(p.sum, 3.0);
  EXPECT_EQ(p.min, 3.0);
  EXPECT_EQ(p.max, 3.0);
  EXPECT_EQ(DoubleOf(FindMetric(got, "c")->number_points[0]), 2.0);
  EXPECT_EQ(IntOf(FindMetric(got, "u")->number_points[0]), -4);
  EXPECT_TRUE(std::isnan(DoubleOf(FindMetric(got, "g")->number_points[0])));
  EXPECT_EQ(f.provider->Stats().dropped_measurements, 9u);
  auto diags = f.Diagnostics();
  ASSERT_EQ(diags.size(), 3u);
  EXPECT_NE(diags[0].find("metrics.non_finite: 3 NaN/inf"), std::string::npos) << diags[0];
  // Reported once.
  f.CollectAt(300);
  EXPECT_EQ(f.Diagnostics().size(), 3u);
}

TEST(MetricsAggregationTest, OverflowBeyondTheCardinalityLimit) {
  MetricsFixture f;
  Counter c = f.provider->GetMeter("app").CreateCounter("c").value();
  for (int64_t i = 0; i < 2001; ++i) ASSERT_TRUE(c.Add(int64_t{1}, A("id", i)).ok());
  // Existing series keep their own point after overflow began; new sets keep overflowing.
  ASSERT_TRUE(c.Add(int64_t{10}, A("id", int64_t{0})).ok());
  ASSERT_TRUE(c.Add(int64_t{100}, A("id", int64_t{5000})).ok());
  const MetricData* m = FindMetric(f.CollectAt(200), "c");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->number_points.size(), 2000u);
  int64_t total = 0;
  for (const auto& p : m->number_points) total += IntOf(p);
  EXPECT_EQ(total, 2001 + 10 + 100);
  const NumberPoint* overflow = FindPoint(*m, A(kMetricOverflowAttribute, true));
  ASSERT_NE(overflow, nullptr);
  EXPECT_EQ(IntOf(*overflow), 2 + 100);  // ids 1999 and 2000, then 5000
  EXPECT_EQ(IntOf(*FindPoint(*m, A("id", int64_t{0}))), 11);
  EXPECT_EQ(FindPoint(*m, A("id", int64_t{1999})), nullptr);
  EXPECT_NE(FindPoint(*m, A("id", int64_t{1998})), nullptr);
}

TEST(MetricsAggregationTest, DeltaOverflowRestartsEachCollection) {
  MetricsFixture f(TemporalityPreference::kDelta, /*cardinality_limit=*/3);
  Histogram h = f.provider->GetMeter("app").CreateHistogram("h").value();
  for (int64_t i = 0; i < 4; ++i) ASSERT_TRUE(h.Record(i, A("id", i)).ok());
  ASSERT_TRUE(h.Record(int64_t{9}).ok());  // the empty set is a series too
  const MetricData* m = FindMetric(f.CollectAt(200), "h");
  ASSERT_EQ(m->histogram_points.size(), 3u);
  uint64_t count = 0;
  for (const auto& p : m->histogram_points) {
    count += p.count;
    if (p.attributes == A(kMetricOverflowAttribute, true)) {
      EXPECT_EQ(p.count, 3u);
      EXPECT_EQ(p.sum, 2 + 3 + 9);
    }
  }
  EXPECT_EQ(count, 5u);
  ASSERT_TRUE(h.Record(int64_t{1}, A("id", int64_t{3})).ok());
  m = FindMetric(f.CollectAt(300), "h");
  ASSERT_EQ(m->histogram_points.size(), 1u);
  EXPECT_EQ(m->histogram_points[0].attributes, A("id", int64_t{3}));
}

TEST(MetricsAggregationTest, AttributeOrderDoesNotMatter) {
  MetricsFixture f;
  Counter c = f.provider->GetMeter("app").CreateCounter("c").value();
  ASSERT_TRUE(c.Add(int64_t{1}, {{"b", std::string("x")}, {"a", int64_t{1}}, {"c", 2.5}}).ok());
  ASSERT_TRUE(c.Add(int64_t{2}, {{"a", int64_t{1}}, {"c", 2.5}, {"b", std::string("x")}}).ok());
  ASSERT_TRUE(c.Add(int64_t{4}, {{"c", 2.5}, {"b", std::string("x")}, {"a", int64_t{1}}}).ok());
  // Same keys, another value: another series. Duplicate keys: the last wins.
  ASSERT_TRUE(c.Add(int64_t{8}, {{"a", int64_t{2}}, {"b", std::string("x")}, {"c", 2.5}}).ok());
  ASSERT_TRUE(c.Add(int64_t{16}, {{"a", int64_t{9}}, {"b", std::string("x")}, {"c", 2.5},
                                  {"a", int64_t{1}}}).ok());
  const MetricData* m = FindMetric(f.CollectAt(200), "c");
  ASSERT_EQ(m->number_points.size(), 2u);
  const Attributes sorted{{"a", int64_t{1}}, {"b", std::string("x")}, {"c", 2.5}};
  const NumberPoint* p = FindPoint(*m, sorted);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(IntOf(*p), 1 + 2 + 4 + 16);
}

TEST(MetricsAggregationTest, ConcurrentRecordingFromEightThreadsIsExact) {
  MetricsFixture f(std::vector<TemporalityPreference>{TemporalityPreference::kCumulative,
                                                      TemporalityPreference::kDelta});
  Meter meter = f.provider->GetMeter("app");
  Counter c = meter.CreateCounter("c").value();
  Histogram h = meter.CreateHistogram("h").value();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  constexpr int kSets = 37;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  std::atomic<int64_t> delta_total{0};
  std::atomic<bool> done{false};
  // A collector running meanwhile on the delta reader: what it takes plus the rest is exact.
  std::thread collector([&] {
    while (!done) {
      auto got = f.provider->reader(1).Collect();
      if (const MetricData* m = FindMetric(got, "c")) {
        for (const auto& p : m->number_points) delta_total += IntOf(p);
      }
    }
  });
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        const int set = (i + t) % kSets;
        Attributes attrs = set == 0 ? Attributes{} : A("k", int64_t{set});
        (void)c.Add(int64_t{1}, attrs);
        (void)h.Record(static_cast<double>(set), attrs);
      }
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  done = true;
  collector.join();

  auto got = f.provider->reader(0).Collect();
  const MetricData* m = FindMetric(got, "c");
  ASSERT_EQ(m->number_points.size(), static_cast<size_t>(kSets));
  int64_t total = 0;
  for (const auto& p : m->number_points) total += IntOf(p);
  EXPECT_EQ(total, int64_t{kThreads} * kPerThread);
  uint64_t count = 0;
  for (const auto& p : FindMetric(got, "h")->histogram_points) count += p.count;
  EXPECT_EQ(count, uint64_t{kThreads} * kPerThread);

  auto last = f.provider->reader(1).Collect();
  if (const MetricData* rest = FindMetric(last, "c")) {
    for (const auto& p : rest->number_points) delta_total += IntOf(p);
  }
  EXPECT_EQ(delta_total.load(), int64_t{kThreads} * kPerThread);
}

TEST(MetricsAggregationTest, SameNameReturnsTheSameInstrument) {
  MetricsFixture f;
  Meter meter = f.provider->GetMeter("app", "1");
  Counter a = meter.CreateCounter("Requests").value();
  Counter b = f.provider->GetMeter("app", "1").CreateCounter("requests").value();
  ASSERT_TRUE(a.Add(int64_t{1}).ok());
  ASSERT_TRUE(b.Add(int64_t{2}).ok());
  EXPECT_EQ(meter.CreateHistogram("REQUESTS").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(meter.CreateCounter("").status().code(), StatusCode::kInvalidArgument);
  Counter other = f.provider->GetMeter("app", "2").CreateCounter("requests").value();
  ASSERT_TRUE(other.Add(int64_t{7}).ok());
  auto got = f.CollectAt(200);
  ASSERT_EQ(got.size(), 2u);
  for (const auto& s : got) {
    ASSERT_EQ(s.metrics.size(), 1u);
    // The first spelling stays.
    EXPECT_EQ(s.metrics[0].name, s.scope.version == "1" ? "Requests" : "requests");
    EXPECT_EQ(IntOf(s.metrics[0].number_points[0]), s.scope.version == "1" ? 3 : 7);
  }
}

TEST(MetricsAggregationTest, GaugeKeepsTheLastValue) {
  MetricsFixture f(TemporalityPreference::kDelta);
  Gauge g = f.provider->GetMeter("app").CreateGauge("temp").value();
  ASSERT_TRUE(g.Record(int64_t{3}).ok());
  ASSERT_TRUE(g.Record(21.5).ok());
  ASSERT_TRUE(g.Record(int64_t{4}, A("room", std::string("b"))).ok());
  const MetricData* m = FindMetric(f.CollectAt(200), "temp");
  EXPECT_EQ(m->kind, MetricDataKind::kGauge);
  EXPECT_EQ(m->temporality, AggregationTemporality::kUnspecified);
  EXPECT_EQ(DoubleOf(*FindPoint(*m, {})), 21.5);
  EXPECT_EQ(FindPoint(*m, {})->start_time_unix_nano, 0u);
  EXPECT_EQ(FindPoint(*m, {})->time_unix_nano, 200u);
  ASSERT_TRUE(g.Record(int64_t{5}).ok());
  m = FindMetric(f.CollectAt(300), "temp");
  EXPECT_EQ(IntOf(*FindPoint(*m, {})), 5);
  EXPECT_EQ(IntOf(*FindPoint(*m, A("room", std::string("b")))), 4);
}

TEST(MetricsAggregationTest, ReadersAggregateIndependently) {
  MetricsFixture f(std::vector<TemporalityPreference>{TemporalityPreference::kCumulative,
                                                      TemporalityPreference::kDelta});
  Counter c = f.provider->GetMeter("app").CreateCounter("c").value();
  ASSERT_TRUE(c.Add(int64_t{1}).ok());
  EXPECT_EQ(IntOf(FindMetric(f.CollectAt(200, 1), "c")->number_points[0]), 1);
  ASSERT_TRUE(c.Add(int64_t{2}).ok());
  EXPECT_EQ(IntOf(FindMetric(f.CollectAt(300, 1), "c")->number_points[0]), 2);
  EXPECT_EQ(IntOf(FindMetric(f.CollectAt(300, 0), "c")->number_points[0]), 3);
}

TEST(MetricsAggregationTest, ObservableCallbacksRunOncePerCollection) {
  MetricsFixture f;
  Meter meter = f.provider->GetMeter("app");
  int calls = 0;
  auto ok = [&](std::vector<Observation>* out) {
    ++calls;
    out->push_back({int64_t{calls * 10}, A("cpu", int64_t{0})});
    out->push_back({2.5, A("cpu", int64_t{1})});
    return Status::Ok();
  };
  auto failing = [](std::vector<Observation>* out) {
    out->push_back({int64_t{999}, A("cpu", int64_t{9})});
    return InternalError("python raised ValueError");
  };
  auto throwing = [](std::vector<Observation>* out) -> Status {
    out->push_back({int64_t{999}, A("cpu", int64_t{8})});
    throw std::runtime_error("boom");
  };
  ASSERT_TRUE(meter.CreateObservableCounter("cpu.time", {failing, ok, throwing}).ok());
  auto got = f.CollectAt(200);
  EXPECT_EQ(calls, 1);
  const MetricData* m = FindMetric(got, "cpu.time");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->monotonic);
  ASSERT_EQ(m->number_points.size(), 2u);
  EXPECT_EQ(IntOf(*FindPoint(*m, A("cpu", int64_t{0}))), 10);
  EXPECT_EQ(DoubleOf(*FindPoint(*m, A("cpu", int64_t{1}))), 2.5);
  EXPECT_EQ(FindPoint(*m, A("cpu", int64_t{0}))->start_time_unix_nano, 100u);
  EXPECT_EQ(f.provider->Stats().callback_failures, 2u);
  auto diags = f.Diagnostics();
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_NE(diags[0].find("metrics.callback_failed"), std::string::npos);
  EXPECT_NE(diags[0].find("python raised ValueError"), std::string::npos);
  EXPECT_NE(diags[1].find("boom"), std::string::npos);

  got = f.CollectAt(300);
  EXPECT_EQ(calls, 2);
  m = FindMetric(got, "cpu.time");
  EXPECT_EQ(IntOf(*FindPoint(*m, A("cpu", int64_t{0}))), 20);
  EXPECT_EQ(FindPoint(*m, A("cpu", int64_t{0}))->start_time_unix_nano, 100u);
  EXPECT_EQ(FindPoint(*m, A("cpu", int64_t{0}))->time_unix_nano, 300u);
}

TEST(MetricsAggregationTest, ObservableCounterDeltaComesFromThePreviousObservation) {
  MetricsFixture f(TemporalityPreference::kDelta);
  std::vector<int64_t> values{10, 15, 15, 22};
  size_t next = 0;
  ASSERT_TRUE(f.provider->GetMeter("app")
                  .CreateObservableCounter("bytes", {[&](std::vector<Observation>* out) {
                                             out->push_back({values[next++], A("dir", std::string("rx"))});
                                             return Status::Ok();
                                           }})
                  .ok());
  std::vector<int64_t> deltas;
  std::vector<uint64_t> starts;
  for (uint64_t t : {200, 300, 400, 500}) {
    const MetricData* m = FindMetric(f.CollectAt(t), "bytes");
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->temporality, AggregationTemporality::kDelta);
    ASSERT_EQ(m->number_points.size(), 1u);
    deltas.push_back(IntOf(m->number_points[0]));
    starts.push_back(m->number_points[0].start_time_unix_nano);
  }
  EXPECT_EQ(deltas, (std::vector<int64_t>{10, 5, 0, 7}));
  EXPECT_EQ(starts, (std::vector<uint64_t>{100, 200, 300, 400}));
}

TEST(MetricsAggregationTest, ObservableGaugeAndUpDownCounter) {
  MetricsFixture f(TemporalityPreference::kDelta);
  Meter meter = f.provider->GetMeter("app");
  auto obs = meter.CreateObservableGauge("mem", {[](std::vector<Observation>* out) {
    out->push_back({1.5, {}});
    out->push_back({2.5, {}});  // the last observation of a set wins
    return Status::Ok();
  }});
  ASSERT_TRUE(obs.ok());
  EXPECT_EQ(obs->kind(), InstrumentKind::kObservableGauge);
  int64_t level = 5;
  ASSERT_TRUE(meter
                  .CreateObservableUpDownCounter("level", {[&](std::vector<Observation>* out) {
                                                   out->push_back({level, {}});
                                                   level -= 2;
                                                   return Status::Ok();
                                                 }})
                  .ok());
  auto got = f.CollectAt(200);
  EXPECT_EQ(FindMetric(got, "mem")->kind, MetricDataKind::kGauge);
  EXPECT_EQ(DoubleOf(FindMetric(got, "mem")->number_points[0]), 2.5);
  EXPECT_EQ(FindMetric(got, "mem")->number_points[0].start_time_unix_nano, 0u);
  got = f.CollectAt(300);
  const MetricData* level_metric = FindMetric(got, "level");
  EXPECT_EQ(level_metric->temporality, AggregationTemporality::kCumulative);
  EXPECT_FALSE(level_metric->monotonic);
  EXPECT_EQ(IntOf(level_metric->number_points[0]), 3);
  EXPECT_EQ(level_metric->number_points[0].start_time_unix_nano, 100u);
}

TEST(MetricsAggregationTest, ObservableOverflowSumsTheRest) {
  MetricsFixture f(TemporalityPreference::kCumulative, /*cardinality_limit=*/3);
  ASSERT_TRUE(f.provider->GetMeter("app")
                  .CreateObservableCounter("c", {[](std::vector<Observation>* out) {
                                             for (int64_t i = 0; i < 5; ++i) {
                                               out->push_back({i + 1, A("id", i)});
                                             }
                                             return Status::Ok();
                                           }})
                  .ok());
  const MetricData* m = FindMetric(f.CollectAt(200), "c");
  ASSERT_EQ(m->number_points.size(), 3u);
  EXPECT_EQ(IntOf(*FindPoint(*m, A(kMetricOverflowAttribute, true))), 3 + 4 + 5);
}

TEST(MetricsAggregationTest, CallbacksMayUseTheSdkWithoutDeadlock) {
  MetricsFixture f;
  Meter meter = f.provider->GetMeter("app");
  Counter c = meter.CreateCounter("c").value();
  ASSERT_TRUE(meter
                  .CreateObservableGauge("g", {[&](std::vector<Observation>* out) {
                                           (void)c.Add(int64_t{1});
                                           (void)meter.CreateCounter("made.in.callback");
                                           out->push_back({int64_t{1}, {}});
                                           return Status::Ok();
                                         }})
                  .ok());
  auto got = f.CollectAt(200);
  EXPECT_NE(FindMetric(got, "g"), nullptr);
  EXPECT_EQ(IntOf(FindMetric(got, "c")->number_points[0]), 1);
}

TEST(MetricsAggregationTest, ForkChildStartsWithEmptyAggregations) {
  MetricsFixture f;
  Meter meter = f.provider->GetMeter("app");
  Counter c = meter.CreateCounter("c").value();
  ASSERT_TRUE(c.Add(int64_t{5}, A("k", int64_t{1})).ok());
  f.now = 150;
  f.provider->PrepareFork();
  f.provider->AfterForkParent();  // the parent keeps everything
  EXPECT_EQ(IntOf(FindMetric(f.CollectAt(200), "c")->number_points[0]), 5);

  f.now = 250;
  f.provider->PrepareFork();
  f.provider->AfterForkChild();  // what a forked child runs (no other thread exists here)
  EXPECT_EQ(FindMetric(f.CollectAt(300), "c"), nullptr);
  f.now = 320;
  ASSERT_TRUE(c.Add(int64_t{2}, A("k", int64_t{1})).ok());
  const MetricData* m = FindMetric(f.CollectAt(400), "c");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(IntOf(m->number_points[0]), 2);
  EXPECT_EQ(m->number_points[0].start_time_unix_nano, 320u);
}

TEST(MetricsAggregationTest, HandlesOutliveTheProvider) {
  Counter c;
  EXPECT_TRUE(c.Add(int64_t{1}).ok());  // default handle: no-op
  {
    std::vector<std::unique_ptr<MetricReader>> readers;
    readers.push_back(std::make_unique<MetricReader>(TemporalityPreference::kCumulative));
    MeterProvider provider({}, std::move(readers));
    c = provider.GetMeter("app").CreateCounter("c").value();
  }
  // The first measurement of a series reads the provider's clock, which the handle co-owns.
  EXPECT_TRUE(c.Add(int64_t{1}).ok());
  EXPECT_TRUE(c.Add(int64_t{1}, A("k", true)).ok());
}

}  // namespace
}  // namespace ptx
