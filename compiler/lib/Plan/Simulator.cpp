//===- Simulator.cpp - pipec.md's simulation semantics, plus memory -----===//
#include "pipe/Plan/Simulator.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/ScheduleTable.h"
#include "Replay.h"

#include "pipe/Plan/StageMemory.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <tuple>

namespace pipe::plan {

static bool isCompute(const Action &a) { return a.kind <= Action::W; }

Simulation simulate(const std::vector<RankProgram> &programs,
                    const std::vector<Stage> &stages, bool hasW,
                    int64_t rankBaseBytes) {
  Simulation sim = simulateTimes(programs, stages, hasW);
  sim.peakBytes = peakBytesPerRank(programs, stages, hasW, rankBaseBytes);
  return sim;
}

Simulation simulateTimes(const std::vector<RankProgram> &programs,
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

std::vector<int> slotsPerStage(const RankProgram &program, int stages) {
  int m = 0;
  for (const Action &a : program)
    m = std::max(m, a.mb + 1);
  // Flat (stage, micro-batch) tables: a large plan has millions of actions.
  // Every action names the stage on its rank whose slot it touches.
  auto at = [&](const Action &a) -> int64_t {
    return a.stage >= 0 && a.stage < stages ? int64_t(a.stage) * m + a.mb : -1;
  };
  std::vector<int64_t> lastUse(size_t(stages) * m, -1);
  for (size_t i = 0; i < program.size(); ++i)
    if (int64_t k = at(program[i]); k >= 0)
      lastUse[k] = int64_t(i);
  std::vector<char> isLive(size_t(stages) * m, 0);
  std::vector<int> live(stages, 0), peak(stages, 1);
  for (size_t i = 0; i < program.size();) {
    size_t j = i + 1;
    if (!isCompute(program[i]))
      while (j < program.size() && !isCompute(program[j]))
        ++j;
    for (size_t t = i; t < j; ++t)
      if (int64_t k = at(program[t]); k >= 0 && !isLive[k]) {
        isLive[k] = 1;
        int s = int(k / m);
        peak[s] = std::max(peak[s], ++live[s]);
      }
    for (size_t t = i; t < j; ++t)
      if (int64_t k = at(program[t]); k >= 0 && lastUse[k] == int64_t(t)) {
        isLive[k] = 0;
        --live[k / m];
      }
    i = j;
  }
  return peak;
}

std::vector<int64_t> peakBytesPerRank(const std::vector<RankProgram> &programs,
                                      const std::vector<Stage> &stages,
                                      bool hasW, int64_t rankBaseBytes) {
  (void)hasW; // the last action on a stage ends its hold, B or W alike
  bool transfers = false;
  for (const RankProgram &p : programs)
    for (const Action &a : p)
      transfers |= !isCompute(a);
  std::vector<int> stageRank;
  bool crossRank = false;
  for (const Stage &s : stages) {
    stageRank.push_back(s.rank);
    crossRank |= s.rank != stages.front().rank;
  }
  std::vector<RankProgram> withTransfers;
  if (!transfers && crossRank)
    withTransfers = insertTransfers(programs, stageRank);
  const std::vector<RankProgram> &run =
      withTransfers.empty() ? programs : withTransfers;
  std::vector<int64_t> peak(programs.size(), 0);
  for (size_t r = 0; r < programs.size(); ++r) {
    int64_t bytes = rankBaseBytes, scratch = 0;
    std::vector<int> slots = slotsPerStage(run[r], int(stages.size()));
    for (size_t s = 0; s < stages.size(); ++s) {
      if (stages[s].rank != (int)r)
        continue;
      bytes += stages[s].stateBytes +
               allocationBytes(slots[s] * stages[s].actBytes);
      scratch = std::max(scratch, allocationBytes(stages[s].scratchBytes));
    }
    peak[r] = bytes + scratch;
  }
  return peak;
}

/// scheduleInFlight without the memo.
static std::vector<int> computeInFlight(ScheduleKind kind, int ranks,
                                        int virtualStages, int microbatches) {
  // zb-h1 / zb-h2 follow the stage costs, unknown here: their limit bounds
  // every order they may choose (one stage per rank).
  if (kind == ScheduleKind::ZBH1 || kind == ScheduleKind::ZBH2)
    return std::vector<int>(
        ranks,
        std::min(microbatches, scheduleInfo(kind).inFlightLimit(ranks, 0)));
  std::vector<int> placement = stagePlacement(kind, ranks, virtualStages);
  std::vector<RankProgram> programs = buildSchedule(
      kind, ranks, virtualStages, microbatches, placement, nullptr);
  std::vector<std::vector<int>> perRank;
  for (const RankProgram &program : programs)
    perRank.push_back(slotsPerStage(program, int(placement.size())));
  std::vector<int> slots;
  for (size_t s = 0; s < placement.size(); ++s)
    slots.push_back(perRank[placement[s]][s]);
  return slots;
}

std::vector<int> scheduleInFlight(ScheduleKind kind, int ranks,
                                  int virtualStages, int microbatches) {
  // One compilation asks for the same counts from several passes, and each
  // answer builds the whole schedule: the last answer is kept.
  struct Memo {
    std::mutex mutex;
    std::tuple<ScheduleKind, int, int, int> key;
    std::vector<int> slots;
    bool valid = false;
  };
  static Memo memo;
  std::tuple<ScheduleKind, int, int, int> key(kind, ranks, virtualStages,
                                              microbatches);
  {
    std::lock_guard<std::mutex> lock(memo.mutex);
    if (memo.valid && memo.key == key)
      return memo.slots;
  }
  std::vector<int> slots =
      computeInFlight(kind, ranks, virtualStages, microbatches);
  std::lock_guard<std::mutex> lock(memo.mutex);
  memo.key = key;
  memo.slots = slots;
  memo.valid = true;
  return slots;
}

} // namespace pipe::plan
