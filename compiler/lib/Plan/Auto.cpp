//===- Auto.cpp - schedule = auto: enumerate, evaluate, rank ------------===//
#include "pipe/Plan/Auto.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"

#include <algorithm>

namespace pipe::plan {

std::vector<AutoConfig> enumerateAuto(const AutoSpace &space) {
  std::vector<int> counts = space.microbatchCounts;
  if (counts.empty())
    for (int64_t m = 1; m <= space.globalBatch; ++m)
      if (space.globalBatch % m == 0)
        counts.push_back(m);
  std::vector<AutoConfig> configs;
  for (ScheduleKind kind : space.schedules) {
    std::vector<int> virtuals = {1};
    if (kind == ScheduleKind::Interleaved)
      virtuals = space.virtuals;
    if (kind == ScheduleKind::ZBV)
      virtuals = {2};
    for (int v : virtuals) {
      if (kind == ScheduleKind::Interleaved && v < 2)
        continue;
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
                          int64_t capacityBytes) {
  std::vector<int> placement;
  for (const Stage &s : stages)
    placement.push_back(s.rank);
  bool hasW = scheduleHasW(config.schedule);
  std::vector<RankProgram> order =
      buildComputeOrder(config.schedule, ranks, config.virtualStages,
                        config.microbatches, placement);
  Simulation sim = simulate(order, stages, hasW);
  AutoCandidate cand;
  cand.config = config;
  cand.makespanUs = sim.makespanUs;
  cand.bubble = sim.bubble;
  cand.fits = sim.complete;
  for (size_t r = 0; r < sim.peakBytes.size(); ++r) {
    cand.peakBytes = std::max(cand.peakBytes, sim.peakBytes[r]);
    if (sim.peakBytes[r] > capacityBytes && cand.fits) {
      cand.fits = false;
      cand.note = "rank " + std::to_string(r) + " needs " +
                  std::to_string(sim.peakBytes[r]) + " bytes of " +
                  std::to_string(capacityBytes);
    }
  }
  return cand;
}

std::string describeConfig(const AutoConfig &c) {
  return std::string(scheduleName(c.schedule)) + " v" +
         std::to_string(c.virtualStages) + " m" +
         std::to_string(c.microbatches) + " b" + std::to_string(c.batch) +
         (c.recompute ? " recompute" : "");
}

} // namespace pipe::plan
