//===- Partition.cpp - pipe-partition: cell costs and the stage split -----===//
//
// Costs every cell (the cost model, or a measured --profile), splits the
// cells into the strategy's stages with the exact partitioners of
// plan/Partition.h under the schedule's in-flight memory, records the costs
// and outlines each stage's cells into a pipe.stage, as StagePlanIR.h says.
//
//===----------------------------------------------------------------------===//
#include "pipe/Plan/Partition.h"
#include "pipe/Plan/MeasuredProfile.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Transforms/CellCosts.h"
#include "pipe/Transforms/Passes.h"
#include "pipe/Transforms/StagePlacement.h"
#include "pipe/Transforms/StagePlanIR.h"
#include "pipe/Transforms/StrategyPartition.h"

#include "llvm/ADT/STLExtras.h"

namespace pipe {
#define GEN_PASS_DEF_PIPEPARTITION
#include "pipe/Transforms/Passes.h.inc"
} // namespace pipe

using namespace mlir;

namespace pipe {

FailureOr<StrategyPartition> partitionStrategy(ModelOp model,
                                               StrategyOp strategy,
                                               StringRef profile,
                                               MemoryShortfall *shortfall) {
  FailureOr<plan::DeviceProfile> device = loadDevice(strategy);
  if (failed(device))
    return failure();
  FailureOr<std::vector<plan::CellCost>> cells =
      estimateModelCosts(model, strategy, *device);
  if (failed(cells))
    return failure();
  if (!profile.empty())
    if (llvm::Error err = plan::applyMeasuredProfileFile(profile, *cells))
      // A command-line input, not the .pipe file: the message names it.
      return mlir::emitError(UnknownLoc::get(model->getContext()))
             << llvm::toString(std::move(err));

  std::vector<int> stageRank =
      plan::stagePlacement(strategy.getSchedule(), int(strategy.getRanks()),
                           int(strategy.getVirtualStages()));
  plan::PartitionRequest request =
      partitionRequest(strategy, stageRank, device->memoryBytes);
  std::vector<int64_t> counts;
  if (std::optional<ArrayRef<int64_t>> manual = strategy.getManual())
    counts.assign(manual->begin(), manual->end());
  llvm::Expected<plan::Partition> partition =
      plan::partitionCells(strategy.getPartition(), *cells, request, counts);
  if (partition)
    return StrategyPartition{std::move(*cells), std::move(*partition),
                             device->memoryBytes, request.rankBaseBytes};
  InFlightDiagnostic diag = strategy.emitError();
  llvm::handleAllErrors(
      partition.takeError(),
      [&](const plan::InfeasibleMemoryError &e) {
        diag << e.text();
        if (shortfall)
          *shortfall = {e.rank, e.needBytes, e.capacityBytes};
      },
      [&](const llvm::ErrorInfoBase &e) { diag << e.message(); });
  return diag;
}

namespace {

struct PipePartitionPass : impl::PipePartitionBase<PipePartitionPass> {
  using PipePartitionBase::PipePartitionBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<ModelOp> model = getModel(module, "pipe-partition");
    if (failed(model))
      return signalPassFailure();
    FailureOr<StrategyOp> strategy = getStrategy(module, "pipe-partition");
    if (failed(strategy))
      return signalPassFailure();
    FailureOr<StrategyPartition> result =
        partitionStrategy(*model, *strategy, profile);
    if (failed(result))
      return signalPassFailure();
    for (auto [cell, cost] : llvm::zip_equal(model->getCells(), result->cells))
      writeCellCost(cell, cost);
    outlineStages(*model, result->partition.stages);
  }
};

} // namespace
} // namespace pipe
