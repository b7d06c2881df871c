//===- StagePlanIR.cpp - Reading pipe-partition's stages and cell costs ---===//
#include "pipe/Transforms/StagePlanIR.h"
#include "pipe/Plan/Partition.h"
#include "pipe/Transforms/CellCosts.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace pipe {

static bool allCellsHaveCosts(ModelOp model) {
  return llvm::all_of(model.getCells(),
                      [](CellOp cell) { return cell->hasAttr(kCellCostAttr); });
}

FailureOr<SmallVector<StageOp>> getStageOps(ModuleOp module) {
  FailureOr<ModelOp> model = getModel(module, "reading the stages");
  if (failed(model))
    return failure();
  SmallVector<StageOp> stages(model->getStages());
  if (stages.empty())
    return model->emitError()
           << "has no pipe.stage ops (run pipe-partition first)";
  auto strategies = module.getOps<StrategyOp>();
  if (strategies.empty())
    return module.emitError() << "no pipe.strategy to read the stages from";
  StrategyOp strategy = *strategies.begin();
  for (StageOp stage : stages)
    if (stage.getRank() >= strategy.getRanks())
      return stage.emitOpError()
                 .append("is on rank ", stage.getRank(),
                         ", but the strategy has ", strategy.getRanks(),
                         " ranks")
                 .attachNote(strategy.getLoc())
             << "the strategy is here";
  return stages;
}

FailureOr<std::vector<plan::Stage>> readStages(ModuleOp module) {
  FailureOr<SmallVector<StageOp>> ops = getStageOps(module);
  if (failed(ops))
    return failure();
  StrategyOp strategy = *module.getOps<StrategyOp>().begin();
  ModelOp model = (*ops)[0]->getParentOfType<ModelOp>();
  std::vector<int> bounds{0}, stageRank;
  for (StageOp stage : *ops) {
    bounds.push_back(bounds.back() + int(llvm::range_size(stage.getCells())));
    stageRank.push_back(int(stage.getRank()));
  }
  if (!allCellsHaveCosts(model)) {
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
  NamedAttrList all(fields);
  // Tables the cell reads but another cell owns (tied heads), when any.
  SmallVector<Attribute> tied;
  for (const plan::CellCost::TiedCopy &t : cost.tied)
    tied.push_back(b.getDictionaryAttr(
        {b.getNamedAttr("param", b.getStringAttr(t.param)),
         b.getNamedAttr("owner_cell", b.getI64IntegerAttr(t.ownerCell)),
         b.getNamedAttr("param_bytes", b.getI64IntegerAttr(t.paramBytes)),
         b.getNamedAttr("state_bytes", b.getI64IntegerAttr(t.stateBytes))}));
  if (!tied.empty())
    all.set("tied", b.getArrayAttr(tied));
  cell->setAttr(kCellCostAttr, all.getDictionary(cell.getContext()));
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
  auto tied = dict.getAs<ArrayAttr>("tied");
  for (Attribute a : tied ? tied.getValue() : ArrayRef<Attribute>()) {
    auto t = dyn_cast<DictionaryAttr>(a);
    auto param = t ? t.getAs<StringAttr>("param") : StringAttr();
    auto owner = t ? t.getAs<IntegerAttr>("owner_cell") : IntegerAttr();
    auto pb = t ? t.getAs<IntegerAttr>("param_bytes") : IntegerAttr();
    auto sb = t ? t.getAs<IntegerAttr>("state_bytes") : IntegerAttr();
    if (!param || !owner || !pb || !sb || owner.getInt() < 0 ||
        pb.getInt() < 0 || sb.getInt() < 0)
      return cell.emitError()
             << "'" << kCellCostAttr
             << "' has a 'tied' entry without param, owner_cell, param_bytes "
                "and state_bytes";
    cost.tied.push_back(
        {param.str(), int(owner.getInt()), pb.getInt(), sb.getInt()});
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
