//===- ScheduleBench.cpp - Time building, verifying, simulating zb-v ----===//
// Prints timings only; the goal is < 100 ms for 64 ranks x 512 micro-batches.
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"
#include "pipe/Plan/Verify.h"

#include <chrono>
#include <cstdio>
#include <ctime>

using namespace pipe::plan;

int main() {
  const int ranks = 64, v = 2, m = 512;
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  std::clock_t c0 = std::clock();
  auto t0 = Clock::now();
  std::vector<int> placement = stagePlacement(ScheduleKind::ZBV, ranks, v);
  std::vector<RankProgram> order =
      buildComputeOrder(ScheduleKind::ZBV, ranks, v, m, placement);
  auto tOrder = Clock::now();
  std::vector<RankProgram> programs = insertTransfers(order, placement);
  auto t1 = Clock::now();
  std::optional<ScheduleError> err =
      verifySchedule(programs, placement, true, m);
  auto t2 = Clock::now();
  std::vector<Stage> stages(placement.size());
  for (size_t s = 0; s < stages.size(); ++s) {
    stages[s].rank = placement[s];
    stages[s].fwdUs = 1;
    stages[s].bwdUs = 1;
    stages[s].wgradUs = 1;
    stages[s].sendUs = 0.1;
    stages[s].actBytes = 1 << 20;
  }
  Simulation sim = simulate(programs, stages, true);
  auto t3 = Clock::now();
  std::clock_t c3 = std::clock();
  size_t actions = 0;
  for (const RankProgram &p : programs)
    actions += p.size();
  std::printf("zb-v ranks=%d stages=%zu microbatches=%d actions=%zu\n", ranks,
              stages.size(), m, actions);
  std::printf(
      "order    %8.2f ms\ntransfer %8.2f ms\nverify   %8.2f ms (%s)\nsimulate "
      "%8.2f ms "
      "(makespan %.1f us, bubble %.4f)\ntotal    %8.2f ms (goal < 100)\n",
      ms(t0, tOrder), ms(tOrder, t1), ms(t1, t2),
      err ? err->message.c_str() : "ok", ms(t2, t3), sim.makespanUs, sim.bubble,
      ms(t0, t3));
  // On a loaded machine wall time includes waiting for a core.
  std::printf("cpu      %8.2f ms (all phases)\n",
              1000.0 * (c3 - c0) / CLOCKS_PER_SEC);
  return 0;
}
