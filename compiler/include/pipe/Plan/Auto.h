//===- Auto.h - schedule = auto: search strategies by simulated step ----===//
//
// searchAuto enumerates schedule x virtual x micro-batch count x recompute
// under a fixed global batch (microbatches * batch), asks the
// `evaluate` callback to partition and cost each configuration, and ranks
// the answers: those that fit memory by simulated step time (then peak
// memory, then enumeration order), then those that do not fit.
//
// pipe-auto-schedule wires the callback: it partitions each configuration
// with pipe-partition's routine and returns scoreConfig's answer.
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
  /// When memory is why it does not fit: the first rank over capacity and
  /// its need (-1: fits, or fails for another reason).
  int shortRank = -1;
  int64_t shortNeedBytes = 0, capacityBytes = 0;
};

struct AutoSpace {
  int ranks = 1;
  int64_t globalBatch = 1; ///< microbatches * batch, kept fixed
  int maxStages = 1;       ///< cells: stages must not exceed them
  /// Empty: every schedule of the schedule table.
  std::vector<ScheduleKind> schedules;
  /// Tried where a schedule's virtual rule allows more than one value.
  std::vector<int> virtuals = {2, 4};
  /// Micro-batch counts to try; empty = every divisor of globalBatch.
  std::vector<int> microbatchCounts;
  std::vector<bool> recompute = {false, true};
};

/// The configurations searchAuto tries, in enumeration order: only those
/// the schedule table allows (each schedule's virtual rule; stages <=
/// maxStages; batch integral).
std::vector<AutoConfig> enumerateAuto(const AutoSpace &space);

/// Ranked candidates (best first); configurations for which `evaluate`
/// returns nullopt (no partition exists) are left out.
std::vector<AutoCandidate>
searchAuto(const AutoSpace &space,
           const std::function<std::optional<AutoCandidate>(const AutoConfig &)>
               &evaluate);

/// Builds, simulates and checks memory of `config` over given stages (with
/// their costs for config.batch and config.recompute): what `evaluate`
/// returns once it has partitioned. The note of one that does not fit says
/// "rank R needs X of Y" (formatMemory).
AutoCandidate scoreConfig(const AutoConfig &config, int ranks,
                          const std::vector<Stage> &stages,
                          int64_t capacityBytes, int64_t rankBaseBytes = 0);



} // namespace pipe::plan

#endif // PIPE_PLAN_AUTO_H
