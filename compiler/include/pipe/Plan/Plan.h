//===- Plan.h - Costs, stages and per-rank programs, free of MLIR -------===//
//
// The algorithms behind pipe-partition, pipe-schedule, pipe-verify-schedule
// and the simulator work on these plain structs so they can be tested against
// brute force without building IR. The passes translate IR <-> these structs.
// Times are microseconds, sizes bytes, indices 0-based, ranges half-open.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_PLAN_H
#define PIPE_PLAN_PLAN_H

#include "pipe/Dialect/PipeEnums.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pipe::plan {

/// What one cell costs per micro-batch (see pipec.md, "cells").
struct CellCost {
  std::string name; ///< "x = embedding(...)"
  std::string loc;  ///< "file.pipe:13:3"
  double fwdUs = 0, bwdUs = 0, wgradUs = 0;
  /// Time to move what crosses a cut placed right after this cell (0 after the
  /// last).
  double sendUs = 0;
  int64_t cutBytes = 0;   ///< bytes that cross a cut right after this cell
  int64_t paramBytes = 0; ///< the cell's parameters
  /// Parameters + gradients + optimizer state (+ f32 master copy under bf16).
  int64_t stateBytes = 0;
  int64_t actBytes = 0; ///< kept from forward for backward, per micro-batch
  int64_t outBytes = 0; ///< the cell's output, per micro-batch
  /// A parameter this cell reads but another cell owns (a tied embedding
  /// table): a stage holding this cell but not `ownerCell` holds a copy,
  /// counted once per stage whatever number of its cells read it.
  struct TiedCopy {
    std::string param;
    int ownerCell = -1;
    int64_t paramBytes = 0, stateBytes = 0;
  };
  std::vector<TiedCopy> tied;
  /// With recompute, what backward keeps is only the stage input; this is the
  /// extra forward time backward pays instead.
};

struct Stage {
  int rank = 0;
  int begin = 0, end = 0; ///< cells [begin, end)
  double fwdUs = 0, bwdUs = 0, wgradUs = 0;
  double sendUs = 0; ///< to the next stage; 0 when on the same rank or last
  /// actBytes: what one in-flight micro-batch keeps (the stage's slot when
  /// planned from the model's buffer plan); scratchBytes: its temporaries.
  int64_t paramBytes = 0, stateBytes = 0, actBytes = 0, scratchBytes = 0;
  int64_t inBytes =
      0; ///< boundary received from the previous stage per micro-batch
};

/// The schedules are pipe::ScheduleKind (PipeEnums.td), one enum for the
/// dialect, the front end and the planner.
using ::pipe::ScheduleKind;

/// One step of a rank's program. Consecutive Send/Recv actions on a rank form
/// one communication group (posted together, like ncclGroupStart/End); a group
/// completes when every send in it has met its receive and vice versa,
/// matched in FIFO order per (sender, receiver, kind).
struct Action {
  enum Kind { F, B, W, SendAct, RecvAct, SendGrad, RecvGrad } kind;
  /// The stage on this action's own rank: the one a compute action runs, a
  /// send's producer, a receive's consumer. SendAct(s,k) carries F(s,k)'s
  /// output and meets RecvAct(s+1,k), which feeds F(s+1,k); SendGrad(s,k)
  /// carries B(s,k)'s input gradient and meets RecvGrad(s-1,k), which feeds
  /// B(s-1,k). The runtime's actions (pipert::Action) name stages the same
  /// way.
  int stage = 0;
  int mb = 0;
  int peer = -1; ///< the other rank, for Send*/Recv*
};

using RankProgram = std::vector<Action>;

struct Simulation {
  double makespanUs = 0;
  double bubble = 0;
  std::vector<int64_t> peakBytes; ///< per rank
  /// Per rank, per action (compute only): start and end times, for the
  /// timeline and the trace.
  struct Slice {
    Action action;
    double startUs, endUs;
  };
  std::vector<std::vector<Slice>> slices;
  /// Per stage: the most micro-batches whose activations it holds at once
  /// (from F's start to B's end, or W's end when the schedule has W).
  std::vector<int> maxInFlight;
  /// False when some rank could not run its whole program (an unverified
  /// program that deadlocks); the times then cover what did run.
  bool complete = true;
};

} // namespace pipe::plan

#endif // PIPE_PLAN_PLAN_H
