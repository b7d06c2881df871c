//===- StagePlanIR.cpp - Reading and writing pipe-partition's record ------===//
#include "pipe/Transforms/StagePlanIR.h"
#include "pipe/Plan/Partition.h"
#include "pipe/Transforms/CellCosts.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace pipe {

void writeStages(StrategyOp strategy, const std::vector<plan::Stage> &stages) {
  std::vector<int64_t> bounds, ranks;
  if (!stages.empty())
    bounds.push_back(stages.front().begin);
  for (const plan::Stage &stage : stages) {
    bounds.push_back(stage.end);
    ranks.push_back(stage.rank);
  }
  Builder b(strategy.getContext());
  strategy->setAttr(kStageBoundsAttr, b.getDenseI64ArrayAttr(bounds));
  strategy->setAttr(kStageRanksAttr, b.getDenseI64ArrayAttr(ranks));
}

/// The recorded stage boundaries and ranks, checked against each other, the
/// strategy's rank count and (when `numCells` >= 0) the cell count.
static FailureOr<std::pair<std::vector<int>, std::vector<int>>>
readRecord(StrategyOp strategy, int64_t numCells) {
  auto bounds = strategy->getAttrOfType<DenseI64ArrayAttr>(kStageBoundsAttr);
  auto ranks = strategy->getAttrOfType<DenseI64ArrayAttr>(kStageRanksAttr);
  if (!bounds || !ranks)
    return strategy.emitError()
           << "has no stage partition: expected '" << kStageBoundsAttr
           << "' and '" << kStageRanksAttr
           << "' array<i64> attributes (run pipe-partition first)";
  size_t numStages = size_t(ranks.size());
  if (numStages < 1 || size_t(bounds.size()) != numStages + 1)
    return strategy.emitError()
           << "'" << kStageBoundsAttr << "' needs one entry more than '"
           << kStageRanksAttr << "' (" << numStages << " stages), got "
           << bounds.size();
  if (bounds[0] != 0)
    return strategy.emitError()
           << "'" << kStageBoundsAttr << "' must start at 0, got " << bounds[0];
  for (size_t s = 0; s < numStages; ++s)
    if (bounds[s + 1] <= bounds[s])
      return strategy.emitError() << "'" << kStageBoundsAttr << "': stage " << s
                                  << " is empty or reversed (cells ["
                                  << bounds[s] << ", " << bounds[s + 1] << "))";
  if (numCells >= 0 && bounds[numStages] != numCells)
    return strategy.emitError()
           << "'" << kStageBoundsAttr << "' ends at cell " << bounds[numStages]
           << ", the model has " << numCells << " cells";
  for (size_t s = 0; s < numStages; ++s)
    if (ranks[s] < 0 || ranks[s] >= int64_t(strategy.getRanks()))
      return strategy.emitError()
             << "'" << kStageRanksAttr << "': stage " << s << " is on rank "
             << ranks[s] << ", the strategy has " << strategy.getRanks()
             << " ranks";
  std::pair<std::vector<int>, std::vector<int>> record;
  for (int64_t b : bounds.asArrayRef())
    record.first.push_back(int(b));
  for (int64_t r : ranks.asArrayRef())
    record.second.push_back(int(r));
  return record;
}

static bool allCellsHaveCosts(ModelOp model) {
  return llvm::all_of(model.getCells(),
                      [](CellOp cell) { return cell->hasAttr(kCellCostAttr); });
}

FailureOr<std::vector<plan::Stage>> readStages(ModuleOp module) {
  auto strategies = module.getOps<StrategyOp>();
  if (strategies.empty())
    return module.emitError() << "no pipe.strategy to read the stages from";
  StrategyOp strategy = *strategies.begin();
  auto models = module.getOps<ModelOp>();
  ModelOp model = models.empty() ? ModelOp() : *models.begin();
  int64_t numCells = model ? int64_t(llvm::range_size(model.getCells())) : -1;
  auto record = readRecord(strategy, numCells);
  if (failed(record))
    return failure();
  auto &[bounds, stageRank] = *record;

  if (!model || !allCellsHaveCosts(model)) {
    std::vector<plan::Stage> stages(stageRank.size());
    for (size_t s = 0; s < stages.size(); ++s) {
      stages[s].rank = stageRank[s];
      stages[s].begin = bounds[s];
      stages[s].end = bounds[s + 1];
    }
    return stages;
  }
  FailureOr<std::vector<plan::CellCost>> cells = readCellCosts(model);
  if (failed(cells))
    return failure();
  // The partitioner's own evaluation, so stage sums (recompute, sendUs on
  // rank changes, kept activations) match what pipe-partition optimised.
  plan::PartitionRequest request =
      partitionRequest(strategy, stageRank, plan::kUnlimitedBytes);
  return plan::evaluatePartition(*cells, request, bounds).stages;
}

void writeCellCost(CellOp cell, const plan::CellCost &cost) {
  Builder b(cell.getContext());
  NamedAttribute fields[] = {
      b.getNamedAttr("fwd_us", b.getF64FloatAttr(cost.fwdUs)),
      b.getNamedAttr("bwd_us", b.getF64FloatAttr(cost.bwdUs)),
      b.getNamedAttr("wgrad_us", b.getF64FloatAttr(cost.wgradUs)),
      b.getNamedAttr("send_us", b.getF64FloatAttr(cost.sendUs)),
      b.getNamedAttr("param_bytes", b.getI64IntegerAttr(cost.paramBytes)),
      b.getNamedAttr("state_bytes", b.getI64IntegerAttr(cost.stateBytes)),
      b.getNamedAttr("act_bytes", b.getI64IntegerAttr(cost.actBytes)),
      b.getNamedAttr("out_bytes", b.getI64IntegerAttr(cost.outBytes)),
      b.getNamedAttr("cut_bytes", b.getI64IntegerAttr(cost.cutBytes)),
  };
  cell->setAttr(kCellCostAttr, b.getDictionaryAttr(fields));
}

/// One cell's recorded costs; a located error naming a missing or mistyped
/// field.
static FailureOr<plan::CellCost> readCellCost(CellOp cell) {
  auto dict = cell->getAttrOfType<DictionaryAttr>(kCellCostAttr);
  if (!dict)
    return cell.emitError() << "cell has no '" << kCellCostAttr
                            << "' dictionary (run pipe-partition first)";
  plan::CellCost cost;
  cost.name = cell.getName().str();
  cost.loc = formatCellLoc(cell.getLoc());
  std::pair<StringRef, double *> times[] = {{"fwd_us", &cost.fwdUs},
                                            {"bwd_us", &cost.bwdUs},
                                            {"wgrad_us", &cost.wgradUs},
                                            {"send_us", &cost.sendUs}};
  for (auto [name, slot] : times) {
    auto value = dict.getAs<FloatAttr>(name);
    if (!value || !(value.getValueAsDouble() >= 0))
      return cell.emitError() << "'" << kCellCostAttr << "' needs '" << name
                              << "', a non-negative f64";
    *slot = value.getValueAsDouble();
  }
  std::pair<StringRef, int64_t *> sizes[] = {{"param_bytes", &cost.paramBytes},
                                             {"state_bytes", &cost.stateBytes},
                                             {"act_bytes", &cost.actBytes},
                                             {"out_bytes", &cost.outBytes},
                                             {"cut_bytes", &cost.cutBytes}};
  for (auto [name, slot] : sizes) {
    auto value = dict.getAs<IntegerAttr>(name);
    if (!value || value.getInt() < 0)
      return cell.emitError() << "'" << kCellCostAttr << "' needs '" << name
                              << "', a non-negative i64";
    *slot = value.getInt();
  }
  return cost;
}

FailureOr<std::vector<plan::CellCost>> readCellCosts(ModelOp model) {
  std::vector<plan::CellCost> costs;
  for (CellOp cell : model.getCells()) {
    FailureOr<plan::CellCost> cost = readCellCost(cell);
    if (failed(cost))
      return failure();
    costs.push_back(std::move(*cost));
  }
  return costs;
}

} // namespace pipe
