//===- ScheduleBubbleTest.cpp - Closed-form bubbles and in-flight bounds ===//
//
// Oracles: pipec.md's closed forms with equal stage costs and free sends;
// 1F1B's warm-up count (rank r holds min(p - r, m) micro-batches); GPipe
// holds all m.
//===----------------------------------------------------------------------===//
#include "GTest.h"

#include "ScheduleTestUtil.h"

using namespace pipe::plan;
using namespace pipe::plan::test;

TEST(ScheduleBubble, GPipeAnd1F1BMatchClosedForm) {
  for (ScheduleKind kind : {ScheduleKind::GPipe, ScheduleKind::OneFOneB})
    for (int p = 1; p <= 8; ++p)
      for (int m = 1; m <= 16; ++m) {
        auto stages = equalStages(kind, p, 1, 1.0, 2.0, 0.5);
        Simulation sim = run(kind, p, 1, m, stages);
        ASSERT_TRUE(sim.complete);
        double expected = double(p - 1) / (m + p - 1);
        EXPECT_NEAR(sim.bubble, expected, 1e-9)
            << scheduleName(kind) << " p=" << p << " m=" << m;
        // makespan (m + p - 1) * (F + B + W)
        EXPECT_NEAR(sim.makespanUs, (m + p - 1) * 3.5, 1e-9);
      }
}

TEST(ScheduleBubble, InterleavedMatchesClosedFormWhenMMultipleOfP) {
  for (int p = 2; p <= 6; ++p)
    for (int v = 2; v <= 4; ++v)
      for (int mult = 1; mult <= 3; ++mult) {
        int m = mult * p;
        auto stages = equalStages(ScheduleKind::Interleaved, p, v, 1.0, 2.0, 0);
        Simulation sim = run(ScheduleKind::Interleaved, p, v, m, stages);
        ASSERT_TRUE(sim.complete);
        EXPECT_NEAR(sim.bubble, double(p - 1) / (v * m + p - 1), 1e-9)
            << "p=" << p << " v=" << v << " m=" << m;
      }
}

TEST(ScheduleBubble, ZBH1MatchesClosedFormWithEqualFBW) {
  for (int p = 1; p <= 8; ++p)
    for (int m = p; m <= p + 10; ++m) {
      auto stages = equalStages(ScheduleKind::ZBH1, p, 1, 1.0, 1.0, 1.0);
      Simulation sim = run(ScheduleKind::ZBH1, p, 1, m, stages);
      ASSERT_TRUE(sim.complete);
      EXPECT_NEAR(sim.bubble, double(p - 1) / (3 * m + p - 1), 1e-9)
          << "p=" << p << " m=" << m;
    }
}

// Same model, same costs: 1F1B runs B+W fused, zb-h1 splits them; zb-v cuts
// each rank's layers into two half-cost chunks.
TEST(ScheduleBubble, ZeroBubbleNeverSlowerThan1F1B) {
  const double ratios[][3] = {
      {1, 1, 1}, {1, 2, 1}, {2, 1, 1}, {1, 1, 0.3}, {1, 1.5, 2}};
  for (auto &c : ratios)
    for (int p = 1; p <= 8; ++p)
      for (int m = 1; m <= 24; m += (m < 8 ? 1 : 5)) {
        auto s1 = equalStages(ScheduleKind::OneFOneB, p, 1, c[0], c[1], c[2]);
        double base = run(ScheduleKind::OneFOneB, p, 1, m, s1).makespanUs;
        auto sh = equalStages(ScheduleKind::ZBH1, p, 1, c[0], c[1], c[2]);
        EXPECT_LE(run(ScheduleKind::ZBH1, p, 1, m, sh).makespanUs, base + 1e-9)
            << "zb-h1 p=" << p << " m=" << m << " F:B:W " << c[0] << ":" << c[1]
            << ":" << c[2];
        // zb-v keeps 2p half-stage chunks between F and W (1F1B's rank-0
        // bytes); with very unequal costs (B = 2F, p = 2) no such V order
        // matches 1f1b's fused B+W, so it is held to the bound at equal
        // costs only (auto compares both).
        if (c[0] != c[1] || c[1] != c[2])
          continue;
        auto sv =
            equalStages(ScheduleKind::ZBV, p, 2, c[0] / 2, c[1] / 2, c[2] / 2);
        EXPECT_LE(run(ScheduleKind::ZBV, p, 2, m, sv).makespanUs, base + 1e-9)
            << "zb-v p=" << p << " m=" << m << " F:B:W " << c[0] << ":" << c[1]
            << ":" << c[2];
      }
}

TEST(ScheduleInFlight, GPipeHoldsAllMicroBatches) {
  for (int p = 1; p <= 6; ++p)
    for (int m = 1; m <= 12; ++m) {
      std::vector<int> inFlight =
          scheduleInFlight(ScheduleKind::GPipe, p, 1, m);
      for (int s = 0; s < p; ++s)
        EXPECT_EQ(inFlight[s], m) << "p=" << p << " m=" << m << " s=" << s;
    }
}

TEST(ScheduleInFlight, OneFOneBHoldsRanksMinusRank) {
  // Between F and B, rank r keeps min(p - r, m) micro-batches (Narayanan et
  // al.). The slots the program allocates add one wherever the receive of a
  // next micro-batch is posted in one group with the gradient send of a
  // finished one (the slot is released only when the group completes): on
  // every rank but the first, once a second micro-batch exists.
  for (int p = 1; p <= 8; ++p)
    for (int m = 1; m <= 12; ++m) {
      std::vector<int> placement = stagePlacement(ScheduleKind::OneFOneB, p, 1);
      std::vector<int> between = inFlightPerStage(
          buildComputeOrder(ScheduleKind::OneFOneB, p, 1, m, placement), p,
          false);
      std::vector<int> slots =
          scheduleInFlight(ScheduleKind::OneFOneB, p, 1, m);
      for (int r = 0; r < p; ++r) {
        EXPECT_EQ(between[r], std::min(p - r, m))
            << "p=" << p << " m=" << m << " r=" << r;
        int grouped = r > 0 && m > p - r ? 1 : 0;
        EXPECT_EQ(slots[r], std::min(p - r, m) + grouped)
            << "p=" << p << " m=" << m << " r=" << r;
      }
    }
}

// The last answer is kept: asking again, or alternating between schedules,
// gives each its own counts (by hand from the two tests above: gpipe holds
// all 5; 1f1b p = 3 holds 3, 2 + 1, 1 + 1).
TEST(ScheduleInFlight, RepeatedAndAlternatingQueriesKeepTheirAnswers) {
  const std::vector<int> gpipe{5, 5, 5}, oneFOneB{3, 3, 2};
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(scheduleInFlight(ScheduleKind::GPipe, 3, 1, 5), gpipe);
    EXPECT_EQ(scheduleInFlight(ScheduleKind::GPipe, 3, 1, 5), gpipe);
    EXPECT_EQ(scheduleInFlight(ScheduleKind::OneFOneB, 3, 1, 5), oneFOneB);
    EXPECT_EQ(scheduleInFlight(ScheduleKind::OneFOneB, 3, 1, 1),
              (std::vector<int>{1, 1, 1}));
  }
}

// zb-h1 keeps 1F1B's count of micro-batches between F and B (Qi et al.).
// (Our memory model holds activations until W, which can be more.)
TEST(ScheduleInFlight, ZBH1KeepsOneFOneBForwardCount) {
  for (int p = 1; p <= 8; ++p)
    for (int m = 1; m <= 12; ++m) {
      std::vector<int> placement = stagePlacement(ScheduleKind::ZBH1, p, 1);
      auto order = buildComputeOrder(ScheduleKind::ZBH1, p, 1, m, placement);
      // F-to-B count: treat programs as without W (release at B).
      std::vector<RankProgram> noW = order;
      for (auto &prog : noW)
        prog.erase(
            std::remove_if(prog.begin(), prog.end(),
                           [](const Action &a) { return a.kind == Action::W; }),
            prog.end());
      std::vector<int> inFlight = inFlightPerStage(noW, p, false);
      for (int r = 0; r < p; ++r)
        EXPECT_LE(inFlight[r], std::min(p - r, m))
            << "p=" << p << " m=" << m << " r=" << r;
    }
}

TEST(ScheduleMemory, PeakBytesAddStateAndLiveActivations) {
  // 1f1b, p = 3, m = 6: rank r allocates a 512-byte slot for each of its
  // min(3 - r, 6) in-flight micro-batches (+1 on ranks 1 and 2, where a
  // receive shares a group with a gradient send), plus 1000 bytes of state.
  auto stages =
      equalStages(ScheduleKind::OneFOneB, 3, 1, 1, 1, 0, 0, 512, 1000);
  Simulation sim = run(ScheduleKind::OneFOneB, 3, 1, 6, stages);
  ASSERT_EQ(sim.peakBytes.size(), 3u);
  EXPECT_EQ(sim.peakBytes[0], 1000 + 3 * 512);
  EXPECT_EQ(sim.peakBytes[1], 1000 + 3 * 512);
  EXPECT_EQ(sim.peakBytes[2], 1000 + 2 * 512);
  EXPECT_EQ(sim.maxInFlight, (std::vector<int>{3, 2, 1}));
}

TEST(ScheduleSimulate, SendTimeDelaysTheNextStage) {
  // gpipe, p = 2, m = 1, F = B = 1, send 0.5: F0 [0,1], F1 [1.5,2.5],
  // B1 [2.5,3.5], B0 [4,5] -> makespan 5, busy 4 over 2 ranks.
  auto stages = equalStages(ScheduleKind::GPipe, 2, 1, 1, 1, 0, 0.5);
  Simulation sim = run(ScheduleKind::GPipe, 2, 1, 1, stages);
  EXPECT_NEAR(sim.makespanUs, 5.0, 1e-12);
  EXPECT_NEAR(sim.bubble, 1 - 4.0 / 10.0, 1e-12);
  ASSERT_EQ(sim.slices[1].size(), 2u);
  EXPECT_NEAR(sim.slices[1][0].startUs, 1.5, 1e-12);
  EXPECT_NEAR(sim.slices[0][1].startUs, 4.0, 1e-12);
}
