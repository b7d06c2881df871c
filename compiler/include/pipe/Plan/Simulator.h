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
// Memory per rank is what the generated program allocates up front
// (StageMemory.h): per stage on the rank, state + allocationBytes(slots x
// actBytes), where slots is the stage's peak of live micro-batches in the
// program (slotsPerStage); the largest scratch of its stages; and the rank's
// base bytes. A program without transfer actions gets them inserted first
// (insertTransfers), so the count is that of the program that runs. Because
// the allocation is static, the peak depends only on program order, so it is
// also available without costs (peakBytesPerRank).
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_SIMULATOR_H
#define PIPE_PLAN_SIMULATOR_H

#include "pipe/Plan/Plan.h"

#include <cstdint>

#include <vector>

namespace pipe::plan {

/// `stages[s]` gives stage s's rank, costs and bytes; programs.size() ranks.
Simulation simulate(const std::vector<RankProgram> &programs,
                    const std::vector<Stage> &stages, bool hasW,
                    int64_t rankBaseBytes = 0);
/// simulate() without peakBytes (for insertTransfers, which the memory count
/// itself uses).
Simulation simulateTimes(const std::vector<RankProgram> &programs,
                         const std::vector<Stage> &stages, bool hasW);

/// Per stage, the most micro-batches held at once under this program order.
std::vector<int> inFlightPerStage(const std::vector<RankProgram> &programs,
                                  int stages, bool hasW);

/// Per stage of `stages`, the slots the runtime allocates under `program`
/// (one rank's): the most micro-batches live at once, a micro-batch live
/// from its first action on the stage until its last ends (when that is a
/// transfer, until its whole group completes). Every action, a receive
/// too, holds the slot of the stage it names (plan::Action). At least 1,
/// also for stages of other ranks.
std::vector<int> slotsPerStage(const RankProgram &program, int stages);

/// Per rank, the bytes the generated program allocates (see above).
std::vector<int64_t> peakBytesPerRank(const std::vector<RankProgram> &programs,
                                      const std::vector<Stage> &stages,
                                      bool hasW, int64_t rankBaseBytes = 0);

/// For the partitioner's memory check before stages exist: the slots of
/// every stage of `kind` with its standard placement (slotsPerStage on the
/// schedule with its transfers). The
/// zb-h1 / zb-h2 orders depend on the stage costs, so for them this is their
/// limit (min(m, the table's in-flight limit)), which every order they choose
/// keeps; zb-v's is that of its equal-cost order. The last answer is
/// memoised (thread-safe): the passes of one compilation ask repeatedly.
std::vector<int> scheduleInFlight(ScheduleKind kind, int ranks,
                                  int virtualStages, int microbatches);

} // namespace pipe::plan

#endif // PIPE_PLAN_SIMULATOR_H
