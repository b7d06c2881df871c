//===- Schedule.cpp - pipe-schedule: build each rank's program ------------===//
//
// Reads the strategy and the stage placement, calls plan::buildSchedule and
// writes the programs as one pipe.schedule (replacing any existing one).
//
//===----------------------------------------------------------------------===//
#include "pipe/Plan/Schedule.h"
#include "pipe/Transforms/Passes.h"
#include "pipe/Transforms/ProgramIR.h"
#include "pipe/Transforms/StagePlacement.h"

namespace pipe {
#define GEN_PASS_DEF_PIPESCHEDULE
#include "pipe/Transforms/Passes.h.inc"
} // namespace pipe

using namespace mlir;

namespace pipe {
namespace {

struct PipeSchedulePass : impl::PipeScheduleBase<PipeSchedulePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<StrategyOp> strategy = getStrategy(module, "pipe-schedule");
    if (failed(strategy))
      return signalPassFailure();
    FailureOr<std::vector<int>> stageRank =
        readStagePlacement(module, *strategy);
    if (failed(stageRank))
      return signalPassFailure();
    plan::ScheduleKind kind = strategy->getSchedule();
    std::vector<plan::RankProgram> programs = plan::buildSchedule(
        kind, static_cast<int>(strategy->getRanks()),
        static_cast<int>(strategy->getVirtualStages()),
        static_cast<int>(strategy->getMicrobatches()), *stageRank);
    replacePrograms(module, strategy->getLoc(), strategy->getSchedule(),
                    programs);
  }
};

} // namespace
} // namespace pipe
