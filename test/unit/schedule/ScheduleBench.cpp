//===- ScheduleBench.cpp - Time building, verifying, simulating zb orders ===//
// Prints timings only; the goal is < 200 ms per cost-aware zb order for 64
// ranks x 512 micro-batches (build from the stage costs, verify, simulate).
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"
#include "pipe/Plan/Verify.h"

#include <chrono>
#include <cstdio>
#include <ctime>

using namespace pipe::plan;

namespace {

/// Unequal costs, as profiled stages are: F 1, B 1.1-1.3, W 0.6-0.9 per
/// full stage (a V chunk is half of one), sends 0.1; the first and last
/// stages a little heavier (embedding, loss).
std::vector<Stage> benchStages(ScheduleKind kind, int ranks, int v) {
  std::vector<int> placement = stagePlacement(kind, ranks, v);
  std::vector<Stage> stages(placement.size());
  for (size_t s = 0; s < stages.size(); ++s) {
    Stage &st = stages[s];
    double scale = (s == 0 || s + 1 == stages.size() ? 1.2 : 1.0) / v;
    st.rank = placement[s];
    st.fwdUs = scale;
    st.bwdUs = scale * (1.1 + 0.2 * (s % 3) / 2);
    st.wgradUs = scale * (0.6 + 0.3 * (s % 4) / 3);
    bool crosses = s + 1 < stages.size() && placement[s + 1] != placement[s];
    st.sendUs = crosses ? 0.1 : 0;
    st.actBytes = 1 << 20;
  }
  return stages;
}

void bench(ScheduleKind kind, int ranks, int v, int m) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  std::vector<Stage> stages = benchStages(kind, ranks, v);
  std::vector<int> placement = stagePlacement(kind, ranks, v);
  std::clock_t c0 = std::clock();
  auto t0 = Clock::now();
  std::vector<RankProgram> order =
      buildComputeOrder(kind, ranks, v, m, placement, &stages);
  auto tOrder = Clock::now();
  std::vector<RankProgram> programs = insertTransfers(order, placement);
  auto t1 = Clock::now();
  std::optional<ScheduleError> err =
      verifySchedule(programs, placement, true, m);
  auto t2 = Clock::now();
  Simulation sim = simulate(programs, stages, true);
  auto t3 = Clock::now();
  std::clock_t c3 = std::clock();
  size_t actions = 0;
  for (const RankProgram &p : programs)
    actions += p.size();
  std::printf("%s ranks=%d stages=%zu microbatches=%d actions=%zu\n",
              scheduleName(kind), ranks, stages.size(), m, actions);
  std::printf("  order    %8.2f ms\n  transfer %8.2f ms\n  verify   %8.2f ms "
              "(%s)\n  simulate %8.2f ms (makespan %.1f us, bubble %.4f)\n"
              "  total    %8.2f ms (goal < 200)\n",
              ms(t0, tOrder), ms(tOrder, t1), ms(t1, t2),
              err ? err->message.c_str() : "ok", ms(t2, t3), sim.makespanUs,
              sim.bubble, ms(t0, t3));
  // On a loaded machine wall time includes waiting for a core.
  std::printf("  cpu      %8.2f ms (all phases)\n",
              1000.0 * (c3 - c0) / CLOCKS_PER_SEC);
}

} // namespace

int main() {
  bench(ScheduleKind::ZBH1, 64, 1, 512);
  bench(ScheduleKind::ZBH2, 64, 1, 512);
  bench(ScheduleKind::ZBV, 64, 2, 512);
  return 0;
}
