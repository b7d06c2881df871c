//===- Partition.cpp - pipe-partition: cell costs and the stage split -----===//
//
// Costs every cell (the cost model, or a measured --profile), splits the
// cells into the strategy's stages with the exact partitioners of
// plan/Partition.h under the schedule's in-flight memory, and records both
// as StagePlanIR.h says.
//
//===----------------------------------------------------------------------===//
#include "pipe/Plan/Partition.h"
#include "pipe/Plan/MeasuredProfile.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Transforms/CellCosts.h"
#include "pipe/Transforms/Passes.h"
#include "pipe/Transforms/StagePlacement.h"
#include "pipe/Transforms/StagePlanIR.h"

#include "llvm/ADT/STLExtras.h"

namespace pipe {
#define GEN_PASS_DEF_PIPEPARTITION
#include "pipe/Transforms/Passes.h.inc"
} // namespace pipe

using namespace mlir;

namespace pipe {
namespace {

/// Runs the strategy's partitioner; errors are reported at the strategy.
static FailureOr<plan::Partition>
partitionCells(StrategyOp strategy, const std::vector<plan::CellCost> &cells,
               const plan::PartitionRequest &request) {
  llvm::Expected<plan::Partition> partition = [&] {
    StringRef kind = strategy.getPartition();
    if (kind == "uniform")
      return plan::partitionUniform(cells, request);
    if (kind == "manual") {
      std::vector<int64_t> counts;
      if (std::optional<ArrayRef<int64_t>> manual = strategy.getManual())
        counts.assign(manual->begin(), manual->end());
      return plan::partitionManual(cells, request, counts);
    }
    return plan::partitionBalanced(cells, request);
  }();
  if (partition)
    return std::move(*partition);
  InFlightDiagnostic diag = strategy.emitError();
  llvm::handleAllErrors(
      partition.takeError(),
      [&](const plan::InfeasibleMemoryError &e) { diag << e.text(); },
      [&](const llvm::ErrorInfoBase &e) { diag << e.message(); });
  return diag;
}

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
    if (strategy->getPartition() != "balanced" &&
        strategy->getPartition() != "uniform" &&
        strategy->getPartition() != "manual") {
      strategy->emitError()
          << "unknown partition '" << strategy->getPartition() << "'";
      return signalPassFailure();
    }
    FailureOr<plan::DeviceProfile> device = loadDevice(*strategy);
    if (failed(device))
      return signalPassFailure();
    FailureOr<std::vector<plan::CellCost>> cells =
        estimateModelCosts(*model, *strategy, *device);
    if (failed(cells))
      return signalPassFailure();
    if (!profile.empty())
      if (llvm::Error err = plan::applyMeasuredProfileFile(profile, *cells)) {
        model->emitError() << llvm::toString(std::move(err));
        return signalPassFailure();
      }

    plan::ScheduleKind kind =
        *plan::parseScheduleKind(strategy->getSchedule().str());
    std::vector<int> stageRank = plan::stagePlacement(
        kind, int(strategy->getRanks()), int(strategy->getVirtualStages()));
    plan::PartitionRequest request =
        partitionRequest(*strategy, stageRank, device->memoryBytes);
    FailureOr<plan::Partition> partition =
        partitionCells(*strategy, *cells, request);
    if (failed(partition))
      return signalPassFailure();

    for (auto [cell, cost] : llvm::zip_equal(model->getCells(), *cells))
      writeCellCost(cell, cost);
    writeStages(*strategy, partition->stages);
  }
};

} // namespace
} // namespace pipe
