//===- VerifySchedule.cpp - pipe-verify-schedule: prove the programs sound ===//
//
// Translates the pipe.schedule programs to plan::RankProgram, runs
// plan::verifySchedule and turns its finding into an error at the offending
// action (rank, position, and for a deadlock the wait cycle, with a note at
// every other action in the cycle). The IR is left unchanged.
//
//===----------------------------------------------------------------------===//
#include "pipe/Plan/Partition.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"
#include "pipe/Plan/Verify.h"
#include "pipe/Transforms/Passes.h"
#include "pipe/Transforms/ProgramIR.h"
#include "pipe/Transforms/CellCosts.h"
#include "pipe/Transforms/StagePlacement.h"
#include "pipe/Transforms/StagePlanIR.h"

namespace pipe {
#define GEN_PASS_DEF_PIPEVERIFYSCHEDULE
#include "pipe/Transforms/Passes.h.inc"
} // namespace pipe

using namespace mlir;

namespace pipe {
namespace {

using ActionOps = std::vector<std::vector<Operation *>>;

/// Where a finding about (rank, position) points: the action, else the
/// rank's program (position -1: something is missing from it), else the
/// schedule.
Location findingLoc(ScheduleOp schedule, const ActionOps &ops, int rank,
                    int position) {
  if (rank < 0 || rank >= static_cast<int>(ops.size()))
    return schedule.getLoc();
  if (position >= 0 && position < static_cast<int>(ops[rank].size()))
    return ops[rank][position]->getLoc();
  for (ProgramOp program : schedule.getBody().front().getOps<ProgramOp>())
    if (static_cast<int>(program.getRank()) == rank)
      return program.getLoc();
  return schedule.getLoc();
}

std::string describeEdge(const plan::WaitEdge &edge) {
  return "rank " + std::to_string(edge.rank) + ", action " +
         std::to_string(edge.position) + " (" +
         plan::describeAction(edge.action) + ")";
}

LogicalResult reportFinding(ScheduleOp schedule, const ActionOps &ops,
                            const plan::ScheduleError &error) {
  InFlightDiagnostic diag =
      emitError(findingLoc(schedule, ops, error.rank, error.position))
      << error.message;
  // The cycle's first edge is the error's own (rank, position).
  for (size_t i = 1; i < error.cycle.size(); ++i) {
    const plan::WaitEdge &edge = error.cycle[i];
    diag.attachNote(findingLoc(schedule, ops, edge.rank, edge.position))
        << describeEdge(edge) << " is in the wait cycle, waiting on rank "
        << edge.on;
  }
  return diag;
}

struct PipeVerifySchedulePass
    : impl::PipeVerifyScheduleBase<PipeVerifySchedulePass> {
  void runOnOperation() override {
    if (failed(verify(getOperation())))
      return signalPassFailure();
    // Nothing changed: this also spares the pass manager's verifier a walk
    // over the programs it verified after pipe-schedule.
    markAllAnalysesPreserved();
  }

  LogicalResult verify(ModuleOp module) {
    FailureOr<StrategyOp> strategy =
        getStrategy(module, "pipe-verify-schedule");
    if (failed(strategy))
      return failure();
    ActionOps ops;
    FailureOr<std::vector<plan::RankProgram>> programs =
        readPrograms(module, &ops);
    if (failed(programs))
      return failure();
    ScheduleOp schedule = *module.getOps<ScheduleOp>().begin();
    if (schedule.getKind() != strategy->getSchedule())
      return schedule.emitOpError()
                 .append("is a '", plan::scheduleName(schedule.getKind()),
                         "' schedule but the strategy asks for '",
                         plan::scheduleName(strategy->getSchedule()), "'")
                 .attachNote(strategy->getLoc())
             << "the strategy is here";
    if (programs->size() != strategy->getRanks())
      return schedule.emitOpError()
                 .append("has programs for ", programs->size(),
                         " ranks but the strategy has ", strategy->getRanks())
                 .attachNote(strategy->getLoc())
             << "the strategy is here";
    FailureOr<std::vector<int>> stageRank =
        readStagePlacement(module, *strategy);
    if (failed(stageRank))
      return failure();
    plan::ScheduleKind kind = strategy->getSchedule();
    std::optional<plan::ScheduleError> error =
        plan::verifySchedule(*programs, *stageRank, plan::scheduleHasW(kind),
                             static_cast<int>(strategy->getMicrobatches()));
    if (error)
      return reportFinding(schedule, ops, *error);
    return checkMemory(module, *strategy, *programs);
  }

  /// The order's simulated peak on every rank fits the device. The
  /// partitioner fits the split to the schedule's in-flight counts before
  /// the order exists; a cost-aware order can hold its activations
  /// differently, and this is the memory the program (and the auto search)
  /// counts, so it decides.
  LogicalResult checkMemory(ModuleOp module, StrategyOp strategy,
                            const std::vector<plan::RankProgram> &programs) {
    FailureOr<std::vector<plan::Stage>> stages = readStages(module);
    FailureOr<plan::DeviceProfile> device = loadDevice(strategy);
    if (failed(stages) || failed(device))
      return failure();
    std::vector<int> stageRank;
    for (const plan::Stage &st : *stages)
      stageRank.push_back(st.rank);
    int64_t base =
        partitionRequest(strategy, stageRank, device->memoryBytes)
            .rankBaseBytes;
    std::vector<int64_t> peak = plan::peakBytesPerRank(
        programs, *stages, plan::scheduleHasW(strategy.getSchedule()), base);
    for (size_t r = 0; r < peak.size(); ++r)
      if (peak[r] > device->memoryBytes)
        return strategy.emitError()
               << plan::InfeasibleMemoryError(
                      int(r), peak[r], device->memoryBytes,
                      strategy.getRecompute(),
                      std::string(plan::scheduleName(strategy.getSchedule())) +
                          " order's peak")
                      .text();
    return success();
  }
};

} // namespace
} // namespace pipe
