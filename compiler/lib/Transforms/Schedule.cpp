//===- Schedule.cpp - pipe-schedule: build each rank's program ------------===//
//
// Reads the strategy, the placement of the stages pipe-partition outlined
// and (for the zero-bubble orders, which are built from them) their costs,
// calls plan::buildSchedule and writes the programs as one pipe.schedule
// naming those stages (replacing any existing one).
//
//===----------------------------------------------------------------------===//
#include "pipe/Plan/Schedule.h"
#include "pipe/Transforms/Passes.h"
#include "pipe/Transforms/ProgramIR.h"
#include "pipe/Transforms/StagePlacement.h"
#include "pipe/Transforms/StagePlanIR.h"

#include <optional>

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
    // The zero-bubble orders follow the partitioned stage costs (unit costs
    // when the cells carry none).
    std::optional<std::vector<plan::Stage>> stages;
    if (plan::scheduleHasW(kind)) {
      FailureOr<std::vector<plan::Stage>> recorded = readStages(module);
      if (failed(recorded))
        return signalPassFailure();
      if (recorded->size() == stageRank->size())
        stages = std::move(*recorded);
    }
    std::vector<plan::RankProgram> programs =
        plan::buildSchedule(kind, static_cast<int>(strategy->getRanks()),
                            static_cast<int>(strategy->getVirtualStages()),
                            static_cast<int>(strategy->getMicrobatches()),
                            *stageRank, stages ? &*stages : nullptr);
    ModelOp model = *module.getOps<ModelOp>().begin(); // readStagePlacement
    if (failed(replacePrograms(module, strategy->getLoc(),
                               strategy->getSchedule(), model, programs)))
      signalPassFailure();
  }
};

} // namespace
} // namespace pipe
