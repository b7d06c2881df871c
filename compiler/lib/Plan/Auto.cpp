//===- Auto.cpp - schedule = auto: enumerate, evaluate, rank ------------===//
#include "pipe/Plan/Auto.h"
#include "pipe/Plan/Partition.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"

#include <algorithm>

namespace pipe::plan {

/// The virtual values `row` allows among those the space tries.
static std::vector<int> virtualsFor(const ScheduleInfo &row,
                                    const AutoSpace &space) {
  if (row.minVirtual == row.maxVirtual)
    return {row.minVirtual};
  std::vector<int> virtuals;
  for (int v : space.virtuals)
    if (allowsVirtual(row, v))
      virtuals.push_back(v);
  return virtuals;
}

std::vector<AutoConfig> enumerateAuto(const AutoSpace &space) {
  std::vector<int> counts = space.microbatchCounts;
  if (counts.empty())
    for (int64_t m = 1; m <= space.globalBatch; ++m)
      if (space.globalBatch % m == 0)
        counts.push_back(m);
  std::vector<ScheduleKind> schedules = space.schedules;
  if (schedules.empty())
    for (const ScheduleInfo &row : scheduleTable())
      schedules.push_back(row.kind);
  std::vector<AutoConfig> configs;
  for (ScheduleKind kind : schedules) {
    for (int v : virtualsFor(scheduleInfo(kind), space)) {
      if ((int64_t)space.ranks * v > space.maxStages)
        continue;
      for (int m : counts) {
        if (m < 1 || space.globalBatch % m != 0)
          continue;
        for (bool rc : space.recompute)
          configs.push_back({kind, v, m, (int)(space.globalBatch / m), rc});
      }
    }
  }
  return configs;
}

std::vector<AutoCandidate>
searchAuto(const AutoSpace &space,
           const std::function<std::optional<AutoCandidate>(const AutoConfig &)>
               &evaluate) {
  std::vector<std::pair<AutoCandidate, size_t>> found; // + enumeration index
  for (const AutoConfig &c : enumerateAuto(space))
    if (std::optional<AutoCandidate> cand = evaluate(c)) {
      cand->config = c;
      found.emplace_back(*cand, found.size());
    }
  std::sort(found.begin(), found.end(), [](const auto &x, const auto &y) {
    const AutoCandidate &a = x.first, &b = y.first;
    if (a.fits != b.fits)
      return a.fits;
    if (a.makespanUs != b.makespanUs)
      return a.makespanUs < b.makespanUs;
    if (a.peakBytes != b.peakBytes)
      return a.peakBytes < b.peakBytes;
    return x.second < y.second;
  });
  std::vector<AutoCandidate> ranked;
  for (auto &f : found)
    ranked.push_back(f.first);
  return ranked;
}

AutoCandidate scoreConfig(const AutoConfig &config, int ranks,
                          const std::vector<Stage> &stages,
                          int64_t capacityBytes, int64_t rankBaseBytes) {
  std::vector<int> placement;
  for (const Stage &s : stages)
    placement.push_back(s.rank);
  std::vector<RankProgram> order =
      buildComputeOrder(config.schedule, ranks, config.virtualStages,
                        config.microbatches, placement, &stages);
  Simulation sim = simulate(order, stages, scheduleHasW(config.schedule),
                            rankBaseBytes);
  AutoCandidate cand;
  cand.config = config;
  cand.makespanUs = sim.makespanUs;
  cand.bubble = sim.bubble;
  cand.fits = sim.complete;
  cand.capacityBytes = capacityBytes;
  if (!sim.complete)
    cand.note = "the simulated step does not complete";
  for (size_t r = 0; r < sim.peakBytes.size(); ++r) {
    cand.peakBytes = std::max(cand.peakBytes, sim.peakBytes[r]);
    if (sim.peakBytes[r] > capacityBytes && cand.fits) {
      cand.fits = false;
      cand.shortRank = int(r);
      cand.shortNeedBytes = sim.peakBytes[r];
      cand.note = "rank " + std::to_string(r) + " needs " +
                  formatMemory(sim.peakBytes[r]) + " of " +
                  formatMemory(capacityBytes);
    }
  }
  return cand;
}

} // namespace pipe::plan
