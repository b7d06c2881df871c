//===- AutoSearchTest.cpp - schedule = auto picks the best that fits ----===//
#include "GTest.h"

#include "ScheduleTestUtil.h"
#include "pipe/Plan/Auto.h"

using namespace pipe::plan;
using namespace pipe::plan::test;

namespace {
// A toy model of 8 equal cells; per sample a cell costs F = 1, B = 1,
// W = 0.5 and keeps 10 bytes; recompute keeps 2 bytes and adds F to B.
std::vector<Stage> toyStages(const AutoConfig &c, int ranks) {
  int stages = ranks * c.virtualStages, cellsPerStage = 8 / stages;
  double f = c.batch * cellsPerStage * 1.0, w = c.batch * cellsPerStage * 0.5;
  double b = c.batch * cellsPerStage * 1.0 + (c.recompute ? f : 0);
  int64_t act = c.batch * cellsPerStage * (c.recompute ? 2 : 10);
  return equalStages(c.schedule, ranks, c.virtualStages, f, b, w, 0.5, act,
                     100);
}
} // namespace

TEST(AutoSearch, EnumeratesOnlyLegalConfigurations) {
  AutoSpace space;
  space.ranks = 2;
  space.globalBatch = 8;
  space.maxStages = 4;
  space.virtuals = {2, 4};
  for (const AutoConfig &c : enumerateAuto(space)) {
    EXPECT_EQ(c.microbatches * c.batch, 8);
    EXPECT_LE(space.ranks * c.virtualStages, 4);
    if (c.schedule == ScheduleKind::Interleaved)
      EXPECT_GE(c.virtualStages, 2);
    else if (c.schedule == ScheduleKind::ZBV)
      EXPECT_EQ(c.virtualStages, 2);
    else
      EXPECT_EQ(c.virtualStages, 1);
  }
  // 4 divisors of 8 x 2 recompute x (gpipe, 1f1b, interleaved v2, zb-h1,
  // zb-h2, zb-v; interleaved v4 needs 8 stages > 4 cells) = 48.
  EXPECT_EQ(enumerateAuto(space).size(), 48u);
}

TEST(AutoSearch, BestFitsAndIsNoSlowerThanAnyFittingConfiguration) {
  const int ranks = 2;
  AutoSpace space;
  space.ranks = ranks;
  space.globalBatch = 8;
  space.maxStages = 8;
  for (int64_t capacity : {100000, 400, 300, 200}) {
    auto evaluate = [&](const AutoConfig &c) -> std::optional<AutoCandidate> {
      return scoreConfig(c, ranks, toyStages(c, ranks), capacity);
    };
    std::vector<AutoCandidate> ranked = searchAuto(space, evaluate);
    ASSERT_FALSE(ranked.empty());
    // Oracle: brute force over the same configurations.
    double bestTime = -1;
    for (const AutoConfig &c : enumerateAuto(space)) {
      std::vector<Stage> st = toyStages(c, ranks);
      // The orders auto compiles: the zb ones built from the stage costs.
      auto programs = buildSchedule(c.schedule, ranks, c.virtualStages,
                                    c.microbatches, ranksOf(st), &st);
      Simulation sim = simulate(programs, st, scheduleHasW(c.schedule));
      bool fits = true;
      for (int64_t b : sim.peakBytes)
        fits &= b <= capacity;
      if (fits && (bestTime < 0 || sim.makespanUs < bestTime))
        bestTime = sim.makespanUs;
    }
    if (bestTime < 0) {
      EXPECT_FALSE(ranked.front().fits);
      continue;
    }
    EXPECT_TRUE(ranked.front().fits) << "capacity " << capacity;
    EXPECT_NEAR(ranked.front().makespanUs, bestTime, 1e-9);
    EXPECT_LE(ranked.front().peakBytes, capacity);
    for (size_t i = 1; i < ranked.size(); ++i)
      if (ranked[i].fits)
        EXPECT_TRUE(ranked[i - 1].fits &&
                    ranked[i - 1].makespanUs <= ranked[i].makespanUs);
  }
}

TEST(AutoSearch, InfeasibleConfigurationsAreLeftOut) {
  AutoSpace space;
  space.ranks = 2;
  space.globalBatch = 4;
  space.maxStages = 8;
  auto evaluate = [&](const AutoConfig &c) -> std::optional<AutoCandidate> {
    if (c.schedule != ScheduleKind::GPipe)
      return std::nullopt;
    return scoreConfig(c, 2, toyStages(c, 2), 1 << 30);
  };
  for (const AutoCandidate &c : searchAuto(space, evaluate))
    EXPECT_EQ(c.config.schedule, ScheduleKind::GPipe);
}
