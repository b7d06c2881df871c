//===- Simulator.h - Time and memory of one training step ---------------===//
//
// simulate() plays per-rank programs with pipec.md's "Simulation semantics":
// each rank runs its compute actions in order, one at a time; an action
// starts when its rank is free and its inputs are ready:
//   F(s,k) needs F(s-1,k) + send_us(s-1) (when on another rank),
//   B(s,k) needs F(s,k) and B(s+1,k) + send_us(s) (when on another rank),
//   W(s,k) needs B(s,k).
// Transfer actions take no rank time. B lasts bwd_us (+ wgrad_us when the
// schedule has no W), W lasts wgrad_us.
//
// Memory per rank: the stateBytes of its stages (parameters, gradients,
// optimizer state) plus the activations alive at the worst moment. A
// micro-batch's stage activations (actBytes, with recompute only the stage
// input) live from its F's start to its B's end, or to its W's end when the
// schedule has W: we keep all of actBytes for W (conservative: W needs the
// layer inputs and output gradients, B could free the rest). Because a rank
// runs one action at a time, the peak depends only on program order, so it
// is also available without costs (inFlightPerStage, peakBytesPerRank).
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_SIMULATOR_H
#define PIPE_PLAN_SIMULATOR_H

#include "pipe/Plan/Plan.h"

#include <vector>

namespace pipe::plan {

/// `stages[s]` gives stage s's rank, costs and bytes; programs.size() ranks.
Simulation simulate(const std::vector<RankProgram> &programs,
                    const std::vector<Stage> &stages, bool hasW);

/// Per stage, the most micro-batches held at once under this program order.
std::vector<int> inFlightPerStage(const std::vector<RankProgram> &programs,
                                  int stages, bool hasW);

/// Per rank: sum of its stages' stateBytes + peak live actBytes.
std::vector<int64_t> peakBytesPerRank(const std::vector<RankProgram> &programs,
                                      const std::vector<Stage> &stages,
                                      bool hasW);

/// For the partitioner's memory check before stages exist: the in-flight
/// micro-batches of every stage of `kind` with its standard placement. The
/// zb-h1 / zb-h2 orders depend on the stage costs, so for them this is their
/// limit (min(m, the table's in-flight limit)), which every order they choose
/// keeps; zb-v's is that of its equal-cost order.
std::vector<int> scheduleInFlight(ScheduleKind kind, int ranks,
                                  int virtualStages, int microbatches);

} // namespace pipe::plan

#endif // PIPE_PLAN_SIMULATOR_H
