//===- ZeroBubbleOracleTest.cpp - zb orders against the paper's orders --===//
//
// Oracles, written from Qi et al. (ICLR 2024) independently of the builders:
//   ZB-H1: on rank r, 1F1B's order (p - r - 1 warm-up F, then F B pairs),
//          each W right after its B unless fewer than r + 1 wait (r held).
//   ZB-H2 (Figure 3): the warm-up grows to 2(p - r) - 1 F to fill the
//          bubble before the first B, and 2r W are held back for the tail.
//   ZB-V (Section 6): warm-up F of the first chunk, then F B W rounds that
//          alternate the two chunks, W held back only in the cool-down.
// Property: for random stage costs the built order is complete, verified
// deadlock-free, within its in-flight limit, and no slower than the oracle.
//===----------------------------------------------------------------------===//
#include "GTest.h"

#include "ScheduleTestUtil.h"

#include <cmath>
#include <cstdio>
#include <deque>
#include <random>

using namespace pipe::plan;
using namespace pipe::plan::test;

namespace {

/// 1F1B-style order on every rank with `firstB[r]` F before the first B and
/// W held back until more than hold[r] wait.
std::vector<RankProgram> heldBackOracle(int p, int m,
                                        const std::vector<int> &firstB,
                                        const std::vector<int> &hold) {
  std::vector<RankProgram> out(p);
  for (int r = 0; r < p; ++r) {
    std::vector<Action> fb; // F / B sequence of 1F1B with a longer warm-up
    int warm = std::min(m, firstB[r]) - 1, f = 0, b = 0;
    for (; f < warm; ++f)
      fb.push_back({Action::F, r, f, -1});
    while (b < m) {
      if (f < m)
        fb.push_back({Action::F, r, f++, -1});
      fb.push_back({Action::B, r, b++, -1});
    }
    std::deque<int> waiting;
    for (const Action &a : fb) {
      out[r].push_back(a);
      if (a.kind != Action::B)
        continue;
      waiting.push_back(a.mb);
      while ((int)waiting.size() > hold[r]) {
        out[r].push_back({Action::W, r, waiting.front(), -1});
        waiting.pop_front();
      }
    }
    for (int k : waiting)
      out[r].push_back({Action::W, r, k, -1});
  }
  return out;
}

std::vector<RankProgram> zbh1Oracle(int p, int m) {
  std::vector<int> firstB(p), hold(p);
  for (int r = 0; r < p; ++r) {
    firstB[r] = p - r;
    hold[r] = r;
  }
  return heldBackOracle(p, m, firstB, hold);
}

std::vector<RankProgram> zbh2Oracle(int p, int m) {
  std::vector<int> firstB(p), hold(p);
  for (int r = 0; r < p; ++r) {
    firstB[r] = 2 * (p - r) - 1;
    hold[r] = 2 * r;
  }
  return heldBackOracle(p, m, firstB, hold);
}

/// The paper's ZB-V (Section 6) on rank r, chunk 0 = stage r (going down the
/// V), chunk 1 = stage 2p - 1 - r (coming back): 2(p - r) - 1 F of chunk 0;
/// r pairs F1 F0; p - r rounds F1 B1 W1; then rounds F0 B0 W0 F1 B1 W1 until
/// every F is done; r rounds B0 B1 with their W held; p - r rounds B0 W0;
/// the held W of chunk 1, then of chunk 0. The phases assume at least
/// 2p - 1 micro-batches; with fewer, the order for 2p - 1 is played without
/// the micro-batches past m.
std::vector<RankProgram> zbvOracle(int p, int m) {
  const int full = std::max(m, 2 * p - 1);
  std::vector<RankProgram> out(p);
  for (int r = 0; r < p; ++r) {
    const int chunk[2] = {r, 2 * p - 1 - r};
    int nf[2] = {0, 0}, nb[2] = {0, 0}, nw[2] = {0, 0};
    RankProgram &prog = out[r];
    auto emit = [&](Action::Kind kind, int c) {
      int &n = kind == Action::F ? nf[c] : kind == Action::B ? nb[c] : nw[c];
      if (n < m)
        prog.push_back({kind, chunk[c], n, -1});
      ++n;
    };
    for (int i = 0; i < 2 * (p - r) - 1; ++i)
      emit(Action::F, 0);
    for (int i = 0; i < r; ++i) {
      emit(Action::F, 1);
      emit(Action::F, 0);
    }
    for (int i = 0; i < p - r; ++i) {
      emit(Action::F, 1);
      emit(Action::B, 1);
      emit(Action::W, 1);
    }
    while (nf[1] < nf[0] || nf[0] < full) {
      if (nf[0] < full)
        emit(Action::F, 0);
      emit(Action::B, 0);
      emit(Action::W, 0);
      emit(Action::F, 1);
      emit(Action::B, 1);
      emit(Action::W, 1);
    }
    for (int i = 0; i < r; ++i) {
      emit(Action::B, 0);
      emit(Action::B, 1);
    }
    for (int i = 0; i < p - r; ++i) {
      emit(Action::B, 0);
      emit(Action::W, 0);
    }
    while (nw[1] < nb[1])
      emit(Action::W, 1);
    while (nw[0] < nb[0])
      emit(Action::W, 0);
  }
  return out;
}

/// Per rank: most chunk-micro-batches between their F and their W.
std::vector<int> liveFToW(const std::vector<RankProgram> &programs) {
  std::vector<int> peak;
  for (const RankProgram &prog : programs) {
    int now = 0, most = 0;
    for (const Action &a : prog) {
      now += a.kind == Action::F ? 1 : a.kind == Action::W ? -1 : 0;
      most = std::max(most, now);
    }
    peak.push_back(most);
  }
  return peak;
}

size_t computeCount(const std::vector<RankProgram> &programs) {
  size_t n = 0;
  for (const RankProgram &prog : programs)
    for (const Action &a : prog)
      n += a.kind <= Action::W;
  return n;
}

struct Case {
  ScheduleKind kind;
  int v, limitFactor, limitOffset; // limit = factor * p + offset
};

/// Random per-stage costs: F, B, W log-uniform over [0.1, 10], sends
/// uniform over [0, 3] (many times a short stage).
std::vector<Stage> randomStages(std::mt19937 &rng, ScheduleKind kind, int p,
                                int v) {
  std::uniform_real_distribution<double> logCost(std::log(0.1), std::log(10));
  std::uniform_real_distribution<double> send(0, 3);
  std::vector<Stage> st = equalStages(kind, p, v, 1, 1, 1, 1);
  for (size_t s = 0; s < st.size(); ++s) {
    st[s].fwdUs = std::exp(logCost(rng));
    st[s].bwdUs = std::exp(logCost(rng));
    st[s].wgradUs = std::exp(logCost(rng));
    if (st[s].sendUs > 0)
      st[s].sendUs = send(rng);
  }
  return st;
}

std::vector<RankProgram> oracleOf(ScheduleKind kind, int p, int m) {
  return kind == ScheduleKind::ZBH1   ? zbh1Oracle(p, m)
         : kind == ScheduleKind::ZBH2 ? zbh2Oracle(p, m)
                                      : zbvOracle(p, m);
}

} // namespace

TEST(ZeroBubbleOracle, OraclesAreRunnableAndKeepTheirMemory) {
  for (Case c :
       {Case{ScheduleKind::ZBH1, 1, 1, 0}, Case{ScheduleKind::ZBH2, 1, 2, -1},
        Case{ScheduleKind::ZBV, 2, 2, 0}})
    for (int p = 2; p <= 8; ++p)
      for (int m = p; m <= 4 * p; m += p) {
        std::vector<RankProgram> order = oracleOf(c.kind, p, m);
        ASSERT_EQ(computeCount(order), size_t(3 * m * p * c.v));
        auto stages = equalStages(c.kind, p, c.v, 1, 1, 1);
        std::vector<RankProgram> programs =
            insertTransfers(order, ranksOf(stages));
        EXPECT_FALSE(verifySchedule(programs, stages, true, m))
            << scheduleName(c.kind) << " p=" << p << " m=" << m;
        for (int live : liveFToW(order))
          EXPECT_LE(live, c.limitFactor * p + c.limitOffset);
      }
}

TEST(ZeroBubbleOracle, RandomCostsNeverSlowerThanThePaper) {
  std::mt19937 rng(13);
  for (Case c :
       {Case{ScheduleKind::ZBH1, 1, 1, 0}, Case{ScheduleKind::ZBH2, 1, 2, -1},
        Case{ScheduleKind::ZBV, 2, 2, 0}}) {
    double gain = 0, most = 0; // reported, not asserted
    const int trials = 60;
    for (int trial = 0; trial < trials; ++trial) {
      int p = std::uniform_int_distribution<int>(2, 16)(rng);
      int m = std::uniform_int_distribution<int>(p, 4 * p)(rng);
      std::vector<Stage> stages = randomStages(rng, c.kind, p, c.v);
      std::string what = std::string(scheduleName(c.kind)) +
                         " p=" + std::to_string(p) + " m=" + std::to_string(m) +
                         " trial=" + std::to_string(trial);
      std::vector<RankProgram> order =
          buildComputeOrder(c.kind, p, c.v, m, ranksOf(stages), &stages);
      ASSERT_EQ(computeCount(order), size_t(3 * m * p * c.v)) << what;
      std::vector<RankProgram> programs =
          insertTransfers(order, ranksOf(stages));
      if (auto err = verifySchedule(programs, stages, true, m))
        FAIL() << what << ": " << err->message;
      for (int live : liveFToW(order))
        EXPECT_LE(live, std::min(c.v * m, c.limitFactor * p + c.limitOffset))
            << what;
      Simulation built = simulate(programs, stages, true);
      Simulation paper = simulate(oracleOf(c.kind, p, m), stages, true);
      ASSERT_TRUE(built.complete && paper.complete) << what;
      EXPECT_LE(built.makespanUs, paper.makespanUs * (1 + 1e-12)) << what;
      double g = 1 - built.makespanUs / paper.makespanUs;
      gain += g / trials;
      most = std::max(most, g);
    }
    std::printf("%s: step %.2f%% shorter than the paper's order on average, "
                "%.2f%% at most\n",
                scheduleName(c.kind), 100 * gain, 100 * most);
  }
}

// zb-h1 keeps its memory as m grows (the W are held back a bounded amount).
TEST(ZeroBubbleOracle, ZBH1MemoryDoesNotGrowWithMicroBatches) {
  for (int p = 2; p <= 8; ++p)
    for (int m : {p, 4 * p, 32 * p}) {
      auto stages = equalStages(ScheduleKind::ZBH1, p, 1, 1, 2, 1.5, 0.3);
      std::vector<RankProgram> order = buildComputeOrder(
          ScheduleKind::ZBH1, p, 1, m, ranksOf(stages), &stages);
      for (int live : liveFToW(order))
        EXPECT_LE(live, p) << "p=" << p << " m=" << m;
    }
}

// Qi et al.: ZB-H2's bubble (p-1)(T_F + T_B - 2 T_W) is zero with F = B = W
// once the warm-up can be filled (m >= 2p - 1). The paper measures each
// rank from its own start (the optimizer step is not synchronised), so we
// check that no rank idles between its first and last action, and that the
// step is the single-step lower bound 3m + p - 1 (rank p - 1 cannot start
// before p - 1 forwards).
TEST(ZeroBubbleOracle, ZBH2HasNoBubbleWithEqualCosts) {
  for (int p = 2; p <= 8; ++p)
    for (int m = 2 * p - 1; m <= 4 * p; ++m) {
      auto stages = equalStages(ScheduleKind::ZBH2, p, 1, 1, 1, 1);
      Simulation sim = run(ScheduleKind::ZBH2, p, 1, m, stages);
      ASSERT_TRUE(sim.complete);
      EXPECT_NEAR(sim.makespanUs, 3 * m + p - 1, 1e-9)
          << "p=" << p << " m=" << m;
      for (int r = 0; r < p; ++r) {
        const auto &sl = sim.slices[r];
        double span = sl.back().endUs - sl.front().startUs;
        EXPECT_NEAR(span, 3 * m, 1e-9) << "p=" << p << " m=" << m << " r=" << r;
      }
    }
}
