//===- StageOutlining.cpp - Cells into pipe.stage ops and back ------------===//
//
// pipe-partition's structural half: each stage's cells move into one
// pipe.stage whose arguments and results are the values crossing its cuts
// (PipeModelOps.td). Re-partitioning a partitioned model first inlines the
// stages again, so the split always starts from the flat cell list.
//
//===----------------------------------------------------------------------===//
#include "pipe/Transforms/StagePlanIR.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace pipe {

void inlineStages(ModelOp model) {
  for (StageOp stage : llvm::make_early_inc_range(model.getStages())) {
    Block &body = stage.getBody().front();
    for (auto [arg, input] :
         llvm::zip_equal(body.getArguments(), stage.getInputs()))
      arg.replaceAllUsesWith(input);
    YieldOp yield = stage.getYieldOp();
    for (auto [result, value] :
         llvm::zip_equal(stage.getResults(), yield.getValues()))
      result.replaceAllUsesWith(value);
    yield.erase();
    Block *model = stage->getBlock();
    model->getOperations().splice(Block::iterator(stage), body.getOperations());
    stage.erase();
  }
}

/// The values crossing the cut before cell `cut` of the flat model: results
/// of earlier cells used by a cell at or after it (the return counts as the
/// last cell), in definition order.
static SmallVector<Value> crossing(ArrayRef<CellOp> cells, int cut,
                                   const llvm::DenseMap<Operation *, int> &at) {
  SmallVector<Value> out;
  auto usedAfter = [&](Operation *user) {
    if (isa<ReturnOp>(user))
      return int(cells.size()) - 1 >= cut;
    auto cell = isa<CellOp>(user) ? cast<CellOp>(user)
                                  : user->getParentOfType<CellOp>();
    return cell && at.lookup(cell) >= cut;
  };
  for (int c = 0; c < cut; ++c)
    for (Value r : CellOp(cells[c]).getResults())
      if (llvm::any_of(r.getUsers(), usedAfter))
        out.push_back(r);
  return out;
}

void outlineStages(ModelOp model, const std::vector<plan::Stage> &stages) {
  inlineStages(model);
  SmallVector<CellOp> cells = model.getCells();
  llvm::DenseMap<Operation *, int> at;
  for (auto [i, cell] : llvm::enumerate(cells))
    at[cell] = int(i);
  ReturnOp ret = model.getReturnOp();
  // What crosses each cut, in the flat model's own values (the cells'
  // results), before any cell moves.
  std::vector<SmallVector<Value>> out;
  for (size_t s = 0; s < stages.size(); ++s)
    out.push_back(s + 1 == stages.size() ? SmallVector<Value>{ret.getLoss()}
                                         : crossing(cells, stages[s].end, at));

  OpBuilder b(model.getContext());
  SmallVector<Value> carried; // the flat values entering the next stage
  ValueRange previous;        // the previous stage's results carrying them
  for (size_t s = 0; s < stages.size(); ++s) {
    const plan::Stage &st = stages[s];
    Location loc = cells[st.begin].getLoc();
    b.setInsertionPoint(cells[st.begin]);
    auto stage = StageOp::create(b, loc, ValueRange(out[s]).getTypes(),
                                 b.getStringAttr("s" + std::to_string(s)),
                                 b.getI32IntegerAttr(st.rank), previous);
    Block *body = b.createBlock(&stage.getBody());
    llvm::DenseMap<Value, Value> inside;
    for (Value v : carried)
      inside[v] = body->addArgument(v.getType(), loc);
    for (int c = st.begin; c < st.end; ++c)
      cells[c]->moveBefore(body, body->end());
    for (auto [v, arg] : inside)
      v.replaceUsesWithIf(arg, [&](OpOperand &use) {
        return stage->isProperAncestor(use.getOwner());
      });
    SmallVector<Value> yielded;
    for (Value v : out[s])
      yielded.push_back(inside.lookup(v) ? inside.lookup(v) : v);
    b.setInsertionPointToEnd(body);
    YieldOp::create(b, loc, yielded);
    carried = out[s];
    previous = stage.getResults();
  }
  ret->setOperand(0, previous.front());
}

} // namespace pipe
