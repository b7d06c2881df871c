//===- StagePlacement.cpp - The strategy and stage ranks for scheduling ---===//
#include "pipe/Transforms/StagePlacement.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Transforms/CellCosts.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace pipe {

FailureOr<StrategyOp> getStrategy(ModuleOp module, StringRef pass) {
  auto strategies = module.getOps<StrategyOp>();
  if (strategies.empty())
    return module.emitError() << pass << " needs a pipe.strategy";
  StrategyOp strategy = *strategies.begin();
  if (!llvm::hasSingleElement(strategies))
    return (*std::next(strategies.begin()))
               .emitOpError()
               .append("is the module's second pipe.strategy")
               .attachNote(strategy.getLoc())
           << "the first is here";
  int64_t ranks = strategy.getRanks(), v = strategy.getVirtualStages(),
          m = strategy.getMicrobatches();
  if (ranks > plan::kMaxActions || v > plan::kMaxActions ||
      m > plan::kMaxActions || ranks * v > plan::kMaxActions / m)
    return strategy.emitOpError()
           << "has " << ranks << " ranks x " << v << " virtual x " << m
           << " micro-batches, too many actions to schedule (the limit is "
           << plan::kMaxActions << ")";
  if (strategy.getSchedule() == ScheduleKind::Auto)
    return strategy.emitOpError()
           << "says schedule 'auto', which " << pass
           << " cannot build: pipec's auto search replaces it first";
  return strategy;
}

FailureOr<std::vector<int>> readStagePlacement(ModuleOp module,
                                               StrategyOp strategy) {
  int ranks = static_cast<int>(strategy.getRanks());
  int v = static_cast<int>(strategy.getVirtualStages());
  plan::ScheduleKind kind = strategy.getSchedule();
  std::vector<int> standard = plan::stagePlacement(kind, ranks, v);
  FailureOr<ModelOp> model = getModel(module, "reading the stages");
  if (failed(model))
    return failure();
  SmallVector<StageOp> stages(model->getStages());
  if (stages.empty())
    return model->emitError()
           << "has no pipe.stage ops (run pipe-partition first)";
  if (stages.size() != standard.size())
    return model->emitOpError()
               .append("has ", stages.size(), " stages but the strategy has ",
                       ranks, " ranks x ", v, " virtual")
               .attachNote(strategy.getLoc())
           << "the strategy is here";
  // language.md fixes the placement by the schedule, and the schedule
  // builders rely on it (1F1B's warm-up counts, Megatron's chunk order,
  // zb-v's V), so a stage placed otherwise is refused rather than scheduled.
  for (auto [s, stage] : llvm::enumerate(stages))
    if (int(stage.getRank()) != standard[s])
      return stage.emitOpError()
             << "is stage " << s << " on rank " << stage.getRank()
             << ", but schedule '" << plan::scheduleName(kind)
             << "' places it on rank " << standard[s];
  return standard;
}

} // namespace pipe
