//===- Auto.h - schedule = auto: search strategies by simulated step ----===//
//
// searchAuto enumerates schedule x virtual x micro-batch count x recompute
// under a fixed global batch (microbatches * batch), asks the driver's
// `evaluate` callback to partition and cost each configuration, and ranks
// the answers: those that fit memory by simulated step time (then peak
// memory, then enumeration order), then those that do not fit.
//
// The driver wires the callback, e.g.
//   auto eval = [&](const AutoConfig &c) -> std::optional<AutoCandidate> {
//     std::optional<std::vector<Stage>> st = partition(c);  // H5's
//     if (!st) return std::nullopt;                         // infeasible
//     return scoreConfig(c, ranks, *st, deviceBytes);
//   };
//   std::vector<AutoCandidate> ranked = searchAuto(space, eval);
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_AUTO_H
#define PIPE_PLAN_AUTO_H

#include "pipe/Plan/Plan.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pipe::plan {

struct AutoConfig {
  ScheduleKind schedule = ScheduleKind::OneFOneB;
  int virtualStages = 1;
  int microbatches = 1;
  int batch = 1; ///< samples per micro-batch = globalBatch / microbatches
  bool recompute = false;
};

struct AutoCandidate {
  AutoConfig config;
  double makespanUs = 0;
  double bubble = 0;
  int64_t peakBytes = 0; ///< the worst rank's
  bool fits = false;
  std::string note; ///< e.g. which rank does not fit
};

struct AutoSpace {
  int ranks = 1;
  int64_t globalBatch = 1; ///< microbatches * batch, kept fixed
  int maxStages = 1;       ///< cells: stages must not exceed them
  std::vector<ScheduleKind> schedules = {
      ScheduleKind::GPipe, ScheduleKind::OneFOneB, ScheduleKind::Interleaved,
      ScheduleKind::ZBH1, ScheduleKind::ZBV};
  std::vector<int> virtuals = {2, 4}; ///< tried for interleaved
  /// Micro-batch counts to try; empty = every divisor of globalBatch.
  std::vector<int> microbatchCounts;
  std::vector<bool> recompute = {false, true};
};

/// The configurations searchAuto tries, in enumeration order: only those
/// language.md allows (virtual 1 for gpipe/1f1b/zb-h1, >= 2 for
/// interleaved, 2 for zb-v; stages <= maxStages; batch integral).
std::vector<AutoConfig> enumerateAuto(const AutoSpace &space);

/// Ranked candidates (best first); configurations for which `evaluate`
/// returns nullopt (no partition exists) are left out.
std::vector<AutoCandidate>
searchAuto(const AutoSpace &space,
           const std::function<std::optional<AutoCandidate>(const AutoConfig &)>
               &evaluate);

/// Builds, simulates and checks memory of `config` over given stages (with
/// their costs for config.batch and config.recompute): what `evaluate`
/// usually returns once it has partitioned.
AutoCandidate scoreConfig(const AutoConfig &config, int ranks,
                          const std::vector<Stage> &stages,
                          int64_t capacityBytes);

/// "zb-v v2 m8 b4 recompute" style text of one configuration.
std::string describeConfig(const AutoConfig &config);

} // namespace pipe::plan

#endif // PIPE_PLAN_AUTO_H
