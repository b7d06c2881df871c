//===- ScheduleTableTest.cpp - Every row of the schedule table holds up ---===//
//
// A new schedule is a new row: these tests pick it up with no edit, so its
// builder must give complete, verified, runnable orders for every virtual
// value its rule allows, its name must round-trip, and its placement must be
// the one language.md states.
//
//===----------------------------------------------------------------------===//
#include "GTest.h"

#include "ScheduleTestUtil.h"

#include <set>

using namespace pipe::plan;
using namespace pipe::plan::test;

namespace {

/// Up to three virtual values the row allows, starting at its minimum.
std::vector<int> allowedVirtuals(const ScheduleInfo &row) {
  std::vector<int> vs;
  for (int v = row.minVirtual; v <= row.minVirtual + 2; ++v)
    if (allowsVirtual(row, v))
      vs.push_back(v);
  return vs;
}

} // namespace

TEST(ScheduleTable, EveryRowBuildsVerifiedCompleteOrders) {
  for (const ScheduleInfo &row : scheduleTable())
    for (int v : allowedVirtuals(row))
      for (int p = 1; p <= 6; ++p)
        for (int m = 1; m <= 10; ++m) {
          std::vector<int> placement = stagePlacement(row.kind, p, v);
          std::vector<RankProgram> programs =
              buildSchedule(row.kind, p, v, m, placement);
          auto err = verifySchedule(programs, placement, row.hasW, m);
          ASSERT_FALSE(err) << scheduleName(row.kind) << " p=" << p
                            << " v=" << v << " m=" << m << ": " << err->message;
          // Each (stage, mb) has its F, B and (with W) W exactly once.
          std::multiset<std::tuple<int, int, int>> seen;
          for (const RankProgram &prog : programs)
            for (const Action &a : prog)
              if (a.kind <= Action::W)
                seen.insert({a.kind, a.stage, a.mb});
          size_t kinds = row.hasW ? 3 : 2;
          EXPECT_EQ(seen.size(), kinds * p * v * m) << scheduleName(row.kind);
          auto stages = equalStages(row.kind, p, v, 1, 2, 1, 0.25);
          EXPECT_TRUE(simulate(programs, stages, row.hasW).complete);
        }
}

TEST(ScheduleTable, NamesRoundTripAndAutoIsNotARow) {
  std::set<std::string> names;
  for (const ScheduleInfo &row : scheduleTable()) {
    EXPECT_EQ(parseScheduleKind(scheduleName(row.kind)), row.kind);
    EXPECT_TRUE(names.insert(scheduleName(row.kind)).second);
    EXPECT_NE(scheduleNames().find(scheduleName(row.kind)), std::string::npos);
    EXPECT_EQ(&scheduleInfo(row.kind), &row);
  }
  EXPECT_EQ(parseScheduleKind("auto"), std::nullopt);
  EXPECT_EQ(parseScheduleKind("pipedream"), std::nullopt);
  EXPECT_EQ(names.count("auto"), 0u);
}

TEST(ScheduleTable, VirtualRulesReadAsLanguageMdStatesThem) {
  EXPECT_EQ(virtualRule(scheduleInfo(ScheduleKind::GPipe)), "virtual = 1");
  EXPECT_EQ(virtualRule(scheduleInfo(ScheduleKind::Interleaved)),
            "virtual >= 2");
  EXPECT_EQ(virtualRule(scheduleInfo(ScheduleKind::ZBV)), "virtual = 2");
  for (const ScheduleInfo &row : scheduleTable()) {
    EXPECT_FALSE(allowsVirtual(row, row.minVirtual - 1));
    EXPECT_TRUE(allowsVirtual(row, row.minVirtual));
    if (row.maxVirtual)
      EXPECT_FALSE(allowsVirtual(row, row.maxVirtual + 1));
  }
}

TEST(ScheduleTable, PlacementIsCyclicOrV) {
  for (const ScheduleInfo &row : scheduleTable())
    for (int v : allowedVirtuals(row))
      for (int p = 1; p <= 5; ++p) {
        std::vector<int> rankOf = stagePlacement(row.kind, p, v);
        for (int s = 0; s < p * v; ++s)
          EXPECT_EQ(rankOf[s], row.placement == Placement::V && s >= p
                                   ? 2 * p - 1 - s
                                   : s % p)
              << scheduleName(row.kind) << " p=" << p << " s=" << s;
      }
}
