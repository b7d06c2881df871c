//===- Simulator.cpp - pipec.md's simulation semantics, plus memory -----===//
#include "pipe/Plan/Simulator.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/ScheduleTable.h"

#include <algorithm>
#include <limits>

namespace pipe::plan {

static bool isCompute(const Action &a) { return a.kind <= Action::W; }

Simulation simulate(const std::vector<RankProgram> &programs,
                    const std::vector<Stage> &stages, bool hasW) {
  const int ranks = programs.size(), S = stages.size();
  int m = 0;
  for (const RankProgram &p : programs)
    for (const Action &a : p)
      m = std::max(m, a.mb + 1);
  const double unknown = -1;
  std::vector<double> endF((size_t)S * m, unknown),
      endB((size_t)S * m, unknown);
  Simulation sim;
  sim.slices.assign(ranks, {});
  for (int r = 0; r < ranks; ++r)
    sim.slices[r].reserve(programs[r].size());
  std::vector<size_t> pc(ranks, 0);
  std::vector<double> free(ranks, 0);
  std::vector<int> work;
  for (int r = ranks - 1; r >= 0; --r)
    work.push_back(r);
  double busy = 0;
  auto crossing = [&](int s, int t) {
    return stages[s].rank != stages[t].rank ? stages[std::min(s, t)].sendUs
                                            : 0.0;
  };
  while (!work.empty()) {
    int r = work.back();
    work.pop_back();
    const RankProgram &p = programs[r];
    for (; pc[r] < p.size(); ++pc[r]) {
      const Action &a = p[pc[r]];
      if (!isCompute(a))
        continue;
      size_t i = (size_t)a.stage * m + a.mb;
      double ready = free[r], dur = 0;
      if (a.kind == Action::F) {
        if (a.stage > 0) {
          if (endF[i - m] < 0)
            break;
          ready = std::max(ready, endF[i - m] + crossing(a.stage - 1, a.stage));
        }
        dur = stages[a.stage].fwdUs;
      } else {
        if (endF[i] < 0)
          break;
        ready = std::max(ready, endF[i]);
        if (a.kind == Action::B && a.stage + 1 < S) {
          if (endB[i + m] < 0)
            break;
          ready = std::max(ready, endB[i + m] + crossing(a.stage, a.stage + 1));
        }
        if (a.kind == Action::W) {
          if (endB[i] < 0)
            break;
          ready = std::max(ready, endB[i]);
        }
        dur = a.kind == Action::W ? stages[a.stage].wgradUs
                                  : stages[a.stage].bwdUs +
                                        (hasW ? 0 : stages[a.stage].wgradUs);
      }
      double end = ready + dur;
      free[r] = end;
      busy += dur;
      sim.slices[r].push_back({a, ready, end});
      if (a.kind == Action::F) {
        endF[i] = end;
        if (a.stage + 1 < S)
          work.push_back(stages[a.stage + 1].rank);
      } else if (a.kind == Action::B) {
        endB[i] = end;
        if (a.stage > 0)
          work.push_back(stages[a.stage - 1].rank);
      }
    }
  }
  for (int r = 0; r < ranks; ++r) {
    sim.makespanUs = std::max(sim.makespanUs, free[r]);
    if (pc[r] < programs[r].size())
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
