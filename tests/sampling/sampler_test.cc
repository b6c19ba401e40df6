#include "ptx/sampling/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace ptx {
namespace {

// A trace id whose last 8 bytes are `low` (and whose first 8 are `high`).
TraceId IdWithLow(uint64_t low, uint64_t high = 0x0123456789abcdefULL) {
  TraceId id;
  for (int i = 0; i < 8; ++i) {
    id.bytes[7 - i] = static_cast<uint8_t>(high >> (8 * i));
    id.bytes[15 - i] = static_cast<uint8_t>(low >> (8 * i));
  }
  return id;
}

SpanContext Parent(bool remote, bool sampled) {
  SpanContext parent;
  parent.trace_id = IdWithLow(1);
  parent.span_id = *SpanId::FromHex("00f067aa0ba902b7");
  parent.trace_flags = sampled ? kTraceFlagSampled : 0;
  parent.is_remote = remote;
  return parent;
}

std::unique_ptr<Sampler> Make(std::string_view name, std::optional<double> arg = std::nullopt) {
  auto sampler = MakeSampler(name, arg);
  EXPECT_TRUE(sampler.ok()) << sampler.status().ToString();
  return sampler.ok() ? std::move(sampler).value() : nullptr;
}

TEST(SamplerTest, AlwaysOnAndOff) {
  SpanContext parent = Parent(true, false);
  EXPECT_TRUE(AlwaysOnSampler().ShouldSample(nullptr, IdWithLow(0)));
  EXPECT_TRUE(AlwaysOnSampler().ShouldSample(&parent, IdWithLow(~0ULL)));
  EXPECT_FALSE(AlwaysOffSampler().ShouldSample(nullptr, IdWithLow(0)));
  parent.trace_flags = kTraceFlagSampled;
  EXPECT_FALSE(AlwaysOffSampler().ShouldSample(&parent, IdWithLow(0)));
  EXPECT_EQ(AlwaysOnSampler().Description(), "AlwaysOnSampler");
  EXPECT_EQ(AlwaysOffSampler().Description(), "AlwaysOffSampler");
}

TEST(SamplerTest, RatioQuarterBoundary) {
  // bound = round(0.25 * 2^64) = 0x4000000000000000.
  TraceIdRatioBasedSampler sampler(0.25);
  EXPECT_TRUE(sampler.ShouldSample(nullptr, IdWithLow(0x0000000000000000ULL)));
  EXPECT_TRUE(sampler.ShouldSample(nullptr, IdWithLow(0x3fffffffffffffffULL)));
  EXPECT_FALSE(sampler.ShouldSample(nullptr, IdWithLow(0x4000000000000000ULL)));
  EXPECT_FALSE(sampler.ShouldSample(nullptr, IdWithLow(0x4000000000000001ULL)));
  EXPECT_FALSE(sampler.ShouldSample(nullptr, IdWithLow(0xffffffffffffffffULL)));
  // Only the low 8 bytes count.
  EXPECT_TRUE(sampler.ShouldSample(nullptr, IdWithLow(0x3fffffffffffffffULL, ~0ULL)));
  EXPECT_FALSE(sampler.ShouldSample(nullptr, IdWithLow(0x4000000000000000ULL, 0)));
  // The parent does not matter.
  SpanContext sampled_parent = Parent(true, true);
  EXPECT_FALSE(sampler.ShouldSample(&sampled_parent, IdWithLow(0x4000000000000000ULL)));
  auto hex = TraceId::FromHex("4bf92f3577b34da63fffffffffffffff");
  EXPECT_TRUE(sampler.ShouldSample(nullptr, *hex));
  EXPECT_EQ(sampler.Description(), "TraceIdRatioBased{0.25}");
}

TEST(SamplerTest, RatioHalfAndExtremes) {
  TraceIdRatioBasedSampler half(0.5);
  EXPECT_TRUE(half.ShouldSample(nullptr, IdWithLow(0x7fffffffffffffffULL)));
  EXPECT_FALSE(half.ShouldSample(nullptr, IdWithLow(0x8000000000000000ULL)));

  TraceIdRatioBasedSampler none(0.0);
  EXPECT_FALSE(none.ShouldSample(nullptr, IdWithLow(0)));
  EXPECT_FALSE(none.ShouldSample(nullptr, IdWithLow(1)));
  EXPECT_EQ(none.Description(), "TraceIdRatioBased{0.0}");

  TraceIdRatioBasedSampler all(1.0);
  EXPECT_TRUE(all.ShouldSample(nullptr, IdWithLow(0)));
  EXPECT_TRUE(all.ShouldSample(nullptr, IdWithLow(0xffffffffffffffffULL)));
  EXPECT_EQ(all.Description(), "TraceIdRatioBased{1.0}");

  // Largest ratio below 1: bound = 2^64 - 2^11.
  TraceIdRatioBasedSampler almost(std::nextafter(1.0, 0.0));
  EXPECT_TRUE(almost.ShouldSample(nullptr, IdWithLow(0xfffffffffffff7ffULL)));
  EXPECT_FALSE(almost.ShouldSample(nullptr, IdWithLow(0xfffffffffffff800ULL)));
}

TEST(SamplerTest, RatioRoundsHalfToEvenLikePython) {
  // round(1.5) == 2 and round(2.5) == 2 in Python; round(0.5) == 0.
  TraceIdRatioBasedSampler one_and_half(std::ldexp(1.5, -64));
  EXPECT_TRUE(one_and_half.ShouldSample(nullptr, IdWithLow(1)));
  EXPECT_FALSE(one_and_half.ShouldSample(nullptr, IdWithLow(2)));
  TraceIdRatioBasedSampler two_and_half(std::ldexp(2.5, -64));
  EXPECT_TRUE(two_and_half.ShouldSample(nullptr, IdWithLow(1)));
  EXPECT_FALSE(two_and_half.ShouldSample(nullptr, IdWithLow(2)));
  TraceIdRatioBasedSampler half_unit(std::ldexp(0.5, -64));
  EXPECT_FALSE(half_unit.ShouldSample(nullptr, IdWithLow(0)));
  TraceIdRatioBasedSampler three_and_half(std::ldexp(3.5, -64));
  EXPECT_TRUE(three_and_half.ShouldSample(nullptr, IdWithLow(3)));
  EXPECT_FALSE(three_and_half.ShouldSample(nullptr, IdWithLow(4)));
}

TEST(SamplerTest, RatioConstructorClamps) {
  EXPECT_EQ(TraceIdRatioBasedSampler(-1.0).ratio(), 0.0);
  EXPECT_EQ(TraceIdRatioBasedSampler(7.0).ratio(), 1.0);
  EXPECT_EQ(TraceIdRatioBasedSampler(std::numeric_limits<double>::quiet_NaN()).ratio(), 0.0);
}

TEST(SamplerTest, ParentBasedDefaultsFollowTheParent) {
  ParentBasedSampler sampler(std::make_unique<AlwaysOffSampler>());
  SpanContext remote_sampled = Parent(true, true);
  SpanContext remote_not_sampled = Parent(true, false);
  SpanContext local_sampled = Parent(false, true);
  SpanContext local_not_sampled = Parent(false, false);
  SpanContext invalid;  // no ids: counts as no parent
  invalid.trace_flags = kTraceFlagSampled;
  invalid.is_remote = true;
  const TraceId id = IdWithLow(0);
  EXPECT_FALSE(sampler.ShouldSample(nullptr, id));  // root → AlwaysOff
  EXPECT_FALSE(sampler.ShouldSample(&invalid, id));
  EXPECT_TRUE(sampler.ShouldSample(&remote_sampled, id));
  EXPECT_FALSE(sampler.ShouldSample(&remote_not_sampled, id));
  EXPECT_TRUE(sampler.ShouldSample(&local_sampled, id));
  EXPECT_FALSE(sampler.ShouldSample(&local_not_sampled, id));

  ParentBasedSampler on_root(std::make_unique<AlwaysOnSampler>());
  EXPECT_TRUE(on_root.ShouldSample(nullptr, id));
  EXPECT_TRUE(on_root.ShouldSample(&invalid, id));
  EXPECT_FALSE(on_root.ShouldSample(&remote_not_sampled, id));
  EXPECT_FALSE(on_root.ShouldSample(&local_not_sampled, id));
}

TEST(SamplerTest, ParentBasedDispatchesEachBranchToItsOwnDelegate) {
  // Every delegate inverted from its default: each branch must reach its own.
  ParentBasedSampler sampler(std::make_unique<TraceIdRatioBasedSampler>(0.25),
                             std::make_unique<AlwaysOffSampler>(),
                             std::make_unique<AlwaysOnSampler>(),
                             std::make_unique<AlwaysOffSampler>(),
                             std::make_unique<AlwaysOnSampler>());
  SpanContext remote_sampled = Parent(true, true);
  SpanContext remote_not_sampled = Parent(true, false);
  SpanContext local_sampled = Parent(false, true);
  SpanContext local_not_sampled = Parent(false, false);
  const TraceId low = IdWithLow(0x3fffffffffffffffULL);
  const TraceId high = IdWithLow(0x4000000000000000ULL);
  EXPECT_TRUE(sampler.ShouldSample(nullptr, low));
  EXPECT_FALSE(sampler.ShouldSample(nullptr, high));
  EXPECT_FALSE(sampler.ShouldSample(&remote_sampled, low));
  EXPECT_TRUE(sampler.ShouldSample(&remote_not_sampled, high));
  EXPECT_FALSE(sampler.ShouldSample(&local_sampled, low));
  EXPECT_TRUE(sampler.ShouldSample(&local_not_sampled, high));
  EXPECT_EQ(sampler.Description(),
            "ParentBased{root:TraceIdRatioBased{0.25},remoteParentSampled:AlwaysOffSampler,"
            "remoteParentNotSampled:AlwaysOnSampler,localParentSampled:AlwaysOffSampler,"
            "localParentNotSampled:AlwaysOnSampler}");
}

TEST(SamplerTest, MakeSamplerNames) {
  EXPECT_EQ(Make("always_on")->Description(), "AlwaysOnSampler");
  EXPECT_EQ(Make("ALWAYS_OFF")->Description(), "AlwaysOffSampler");
  EXPECT_EQ(Make("traceidratio", 0.25)->Description(), "TraceIdRatioBased{0.25}");
  EXPECT_EQ(Make("TraceIdRatio")->Description(), "TraceIdRatioBased{1.0}");  // default arg
  const std::string defaults =
      ",remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,"
      "localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}";
  EXPECT_EQ(Make("parentbased_always_on")->Description(),
            "ParentBased{root:AlwaysOnSampler" + defaults);
  EXPECT_EQ(Make("ParentBased_Always_Off")->Description(),
            "ParentBased{root:AlwaysOffSampler" + defaults);
  EXPECT_EQ(Make("parentbased_traceidratio", 0.5)->Description(),
            "ParentBased{root:TraceIdRatioBased{0.5}" + defaults);
  EXPECT_EQ(Make("parent_based_traceid_ratio", 0.25)->Description(),
            "ParentBased{root:TraceIdRatioBased{0.25}" + defaults);
  EXPECT_EQ(Make("parentbased_traceidratio")->Description(),
            "ParentBased{root:TraceIdRatioBased{1.0}" + defaults);
  // The argument only matters to ratio samplers.
  EXPECT_EQ(Make("always_on", 5.0)->Description(), "AlwaysOnSampler");
}

TEST(SamplerTest, MakeSamplerDecisions) {
  auto sampler = Make("parentbased_traceidratio", 0.25);
  ASSERT_NE(sampler, nullptr);
  SpanContext remote_sampled = Parent(true, true);
  EXPECT_TRUE(sampler->ShouldSample(nullptr, IdWithLow(0x3fffffffffffffffULL)));
  EXPECT_FALSE(sampler->ShouldSample(nullptr, IdWithLow(0x4000000000000000ULL)));
  EXPECT_TRUE(sampler->ShouldSample(&remote_sampled, IdWithLow(0x4000000000000000ULL)));
}

TEST(SamplerTest, MakeSamplerErrors) {
  auto unknown = MakeSampler("probabilistic", 0.5);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message(), "unknown sampler 'probabilistic'");
  EXPECT_EQ(MakeSampler("Parentbased_Bogus", std::nullopt).status().message(),
            "unknown sampler 'Parentbased_Bogus'");
  EXPECT_EQ(MakeSampler("", std::nullopt).status().message(), "unknown sampler ''");

  for (double bad : {-0.01, 1.01, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity()}) {
    for (const char* name : {"traceidratio", "parentbased_traceidratio",
                             "parent_based_traceid_ratio"}) {
      auto result = MakeSampler(name, bad);
      ASSERT_FALSE(result.ok()) << name << " " << bad;
      EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(result.status().message(), "sampler_arg must be between 0 and 1");
    }
  }
  EXPECT_TRUE(MakeSampler("traceidratio", 0.0).ok());
  EXPECT_TRUE(MakeSampler("traceidratio", 1.0).ok());
}

}  // namespace
}  // namespace ptx
