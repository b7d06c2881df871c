//===- Schedule.h - Per-rank programs for the pipeline schedules --------===//
//
// buildSchedule turns (schedule, ranks, virtual, micro-batches, placement)
// into one RankProgram per rank: the compute actions in the schedule's order
// with the activation/gradient transfers inserted as explicit Send/Recv
// actions, grouped so that rendezvous transfers cannot deadlock (see
// insertTransfers).
//
// Every action names the stage on its own rank (plan::Action): SendAct(s, k)
// and RecvAct(s + 1, k) move F(s, k)'s output from rank(s) to rank(s + 1);
// SendGrad(s, k) and RecvGrad(s - 1, k) move B(s, k)'s input gradient from
// rank(s) to rank(s - 1).
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_SCHEDULE_H
#define PIPE_PLAN_SCHEDULE_H

#include "pipe/Plan/Plan.h"
#include "pipe/Plan/ScheduleTable.h"

#include <optional>
#include <string>
#include <vector>

namespace pipe::plan {

/// Rank of every stage (ranks * virtualStages stages) by the schedule's
/// placement: s mod ranks, or zb-v's V (s for s < ranks, else
/// 2*ranks - 1 - s).
std::vector<int> stagePlacement(ScheduleKind kind, int ranks,
                                int virtualStages);

/// The compute actions (F/B/W only) of every rank in schedule order, from
/// the schedule table's builder; `stages` (each stage's costs, when the
/// partition is known) lets cost-aware builders shape the order.
/// Preconditions (checked by the front end): ranks >= 1, microbatches >= 1,
/// virtualStages as the schedule's row allows, stageRank from
/// stagePlacement (or any placement for gpipe / 1f1b-like orders).
///
/// - gpipe: all F in micro-batch order, then all B in micro-batch order.
/// - 1f1b: PipeDream-flush; rank r warms up with min(ranks-r-1, m) F.
/// - interleaved: Megatron-LM's interleaved 1F1B (schedule table in groups
///   of `ranks` micro-batches per chunk, warm-up 2(ranks-r-1) + (v-1)ranks).
///   Megatron requires m to be a multiple of ranks; otherwise we build the
///   order for m rounded up to one and delete the padding micro-batches,
///   which provably keeps the order runnable (the bubble is then a little
///   above the closed form).
/// - zb-h1 / zb-h2 / zb-v: built from `stages`' costs (unit costs F = B =
///   W = 1 and free sends without them). Several candidate orders, the
///   paper's handcrafted one among them, are replayed with the costs and the
///   shortest that keeps the row's in-flight limit (F to W) on every rank
///   wins (ScheduleZeroBubbleSearch.cpp), so the order is never slower than
///   Qi et al.'s ZB-H1 / ZB-H2 / V order for those costs. With F = B = W
///   zb-h1's bubble is (p-1)/(3m+p-1).
std::vector<RankProgram>
buildComputeOrder(ScheduleKind kind, int ranks, int virtualStages,
                  int microbatches, const std::vector<int> &stageRank,
                  const std::vector<Stage> *stages = nullptr);

/// Inserts the transfers into compute-only programs. Each transfer gets the
/// slot its producer ends at when the order is played with unit costs; the
/// sender posts it right after the producer, the receiver before its first
/// compute action starting at or after the slot; all transfers between two
/// compute actions form one group (generalising Megatron-LM's
/// send_forward_recv_backward pairing). Provably free of wait cycles under
/// rendezvous groups with FIFO pairing (argument in Schedule.cpp).
std::vector<RankProgram>
insertTransfers(const std::vector<RankProgram> &computeOrder,
                const std::vector<int> &stageRank);

/// buildComputeOrder followed by insertTransfers.
std::vector<RankProgram>
buildSchedule(ScheduleKind kind, int ranks, int virtualStages, int microbatches,
              const std::vector<int> &stageRank,
              const std::vector<Stage> *stages = nullptr);

/// The stage whose F (SendAct, RecvAct) or B (SendGrad, RecvGrad) computed
/// what a transfer carries: a send's own stage, the previous stage for
/// RecvAct, the next for RecvGrad; a compute action's own stage.
int producerStage(const Action &action);

/// "F(2,3)" / "SendAct(2,3)->1" / "RecvGrad(2,3)<-1": for diagnostics.
std::string describeAction(const Action &action);
const char *actionKindName(Action::Kind kind);

} // namespace pipe::plan

#endif // PIPE_PLAN_SCHEDULE_H
