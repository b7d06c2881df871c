//===- Verify.h - Compile-time proof that per-rank programs are sound ---===//
//
// verifySchedule proves a set of per-rank programs correct and deadlock-free
// under the runtime's communication contract (documented at the top of
// VerifySchedule.cpp), or returns the first problem with its rank, action
// position and, for a deadlock, the cycle of waits.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_VERIFY_H
#define PIPE_PLAN_VERIFY_H

#include "pipe/Plan/Plan.h"

#include <optional>
#include <string>
#include <vector>

namespace pipe::plan {

/// One edge of a wait cycle: `rank` is blocked at program position
/// `position` on `action`, whose partner is on rank `on`.
struct WaitEdge {
  int rank = -1;
  int position = -1;
  Action action{Action::F, 0, 0, -1};
  int on = -1;
};

struct ScheduleError {
  enum Kind {
    Malformed, ///< stage/mb/peer out of range, W without W, ...
    WrongRank, ///< an action on a rank that does not hold its stage
    Duplicate, ///< an action (or transfer) present twice
    Missing,   ///< an action (or a needed transfer) absent
    Order,     ///< an action before what it depends on on its rank
    Mismatch,  ///< FIFO pairing gives a send and receive of other (stage, mb)
    Deadlock,  ///< the group semantics reach a state where no rank moves
  } kind;
  int rank = -1;     ///< the offending rank
  int position = -1; ///< index in that rank's program (-1: at its end)
  std::string message;
  std::vector<WaitEdge> cycle; ///< Deadlock only: r0 -> r1 -> ... -> r0
};

/// `stageRank[s]` is stage s's rank. `microbatches` < 0 infers it as one
/// more than the largest micro-batch index used.
std::optional<ScheduleError>
verifySchedule(const std::vector<RankProgram> &programs,
               const std::vector<int> &stageRank, bool hasW,
               int microbatches = -1);
std::optional<ScheduleError>
verifySchedule(const std::vector<RankProgram> &programs,
               const std::vector<Stage> &stages, bool hasW,
               int microbatches = -1);

} // namespace pipe::plan

#endif // PIPE_PLAN_VERIFY_H
