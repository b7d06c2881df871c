//===- Simulator.cpp - pipec.md's simulation semantics, plus memory -----===//
#include "pipe/Plan/Simulator.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/ScheduleTable.h"
#include "Replay.h"

#include <algorithm>
#include <limits>

namespace pipe::plan {

Simulation simulate(const std::vector<RankProgram> &programs,
                    const std::vector<Stage> &stages, bool hasW) {
  const int ranks = programs.size(), S = stages.size();
  int m = 0;
  for (const RankProgram &p : programs)
    for (const Action &a : p)
      m = std::max(m, a.mb + 1);
  Simulation sim;
  sim.slices.assign(ranks, {});
  for (int r = 0; r < ranks; ++r)
    sim.slices[r].reserve(programs[r].size());
  double busy = 0;
  std::vector<size_t> done;
  std::vector<double> freeAt = replayPrograms(
      programs, S, m, [&](int s) { return stages[s].rank; },
      [&](const Action &a) {
        const Stage &st = stages[a.stage];
        if (a.kind == Action::F)
          return st.fwdUs;
        if (a.kind == Action::W)
          return st.wgradUs;
        return st.bwdUs + (hasW ? 0 : st.wgradUs);
      },
      [&](int s) {
        return stages[s].rank != stages[s + 1].rank ? stages[s].sendUs : 0.0;
      },
      [&](int r, const Action &a, double start, double dur) {
        busy += dur;
        sim.slices[r].push_back({a, start, start + dur});
      },
      done);
  for (int r = 0; r < ranks; ++r) {
    sim.makespanUs = std::max(sim.makespanUs, freeAt[r]);
    if (done[r] < programs[r].size())
      sim.complete = false;
  }
  sim.bubble = sim.makespanUs > 0 ? 1 - busy / (ranks * sim.makespanUs) : 0;
  sim.peakBytes = peakBytesPerRank(programs, stages, hasW);
  sim.maxInFlight = inFlightPerStage(programs, S, hasW);
  return sim;
}

/// Calls hold(stage, +1) at each F and hold(stage, -1) after each release.
template <typename Fn>
static void walkHolds(const RankProgram &p, bool hasW, Fn hold) {
  for (const Action &a : p) {
    if (a.kind == Action::F)
      hold(a.stage, +1);
    else if (a.kind == (hasW ? Action::W : Action::B))
      hold(a.stage, -1);
  }
}

std::vector<int> inFlightPerStage(const std::vector<RankProgram> &programs,
                                  int stages, bool hasW) {
  std::vector<int> now(stages, 0), peak(stages, 0);
  for (const RankProgram &p : programs)
    walkHolds(p, hasW, [&](int s, int d) {
      now[s] += d;
      peak[s] = std::max(peak[s], now[s]);
    });
  return peak;
}

std::vector<int64_t> peakBytesPerRank(const std::vector<RankProgram> &programs,
                                      const std::vector<Stage> &stages,
                                      bool hasW) {
  std::vector<int64_t> peak(programs.size(), 0);
  for (size_t r = 0; r < programs.size(); ++r) {
    int64_t state = 0, live = 0, worst = 0;
    for (const Stage &s : stages)
      if (s.rank == (int)r)
        state += s.stateBytes;
    walkHolds(programs[r], hasW, [&](int s, int d) {
      live += d * stages[s].actBytes;
      worst = std::max(worst, live);
    });
    peak[r] = state + worst;
  }
  return peak;
}

std::vector<int> scheduleInFlight(ScheduleKind kind, int ranks,
                                  int virtualStages, int microbatches) {
  // zb-h1 / zb-h2 follow the stage costs, unknown here: their limit bounds
  // every order they may choose (one stage per rank).
  if (kind == ScheduleKind::ZBH1 || kind == ScheduleKind::ZBH2)
    return std::vector<int>(
        ranks,
        std::min(microbatches, scheduleInfo(kind).inFlightLimit(ranks, 0)));
  std::vector<int> placement = stagePlacement(kind, ranks, virtualStages);
  std::vector<RankProgram> order =
      buildComputeOrder(kind, ranks, virtualStages, microbatches, placement);
  return inFlightPerStage(order, ranks * virtualStages, scheduleHasW(kind));
}

} // namespace pipe::plan
