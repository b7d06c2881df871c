//===- BufferPlan.cpp - Place every buffer of a stage in its slot ---------===//
#include "pipe/Lowering/BufferPlan.h"

#include "pipe/Plan/StageMemory.h"

#include "llvm/ADT/STLExtras.h"
#include <cassert>

using namespace mlir;

namespace pipe::lowering {

Value canonical(Value v) { return sourceValue(v); }

int64_t numElements(Type type, int64_t batch) {
  return boundElements(type, batch);
}

int64_t savedFloats(Operation *op, int64_t batch) {
  auto facts = dyn_cast<ModelOpInterface>(op);
  return facts ? facts.getSavedFloats(batch) : 0;
}

int64_t wsavedFloats(Operation *op, int64_t batch) {
  auto facts = dyn_cast<ModelOpInterface>(op);
  return facts ? facts.getWSavedFloats(batch) : 0;
}

int cellIndex(ModelOp model, Operation *op) {
  if (isa<ReturnOp>(op))
    return static_cast<int>(llvm::range_size(model.getCells())) - 1;
  auto cell = dyn_cast<CellOp>(op);
  if (!cell)
    cell = op->getParentOfType<CellOp>();
  int i = 0;
  for (CellOp c : model.getCells()) {
    if (c == cell)
      return i;
    ++i;
  }
  return -1;
}

std::vector<Value> boundaryValues(ModelOp model, int cut) {
  SmallVector<CellOp> cells = model.getCells();
  // The last cell using each value, seen through the stages' arguments.
  llvm::DenseMap<Value, int> lastUse;
  for (auto [c, cell] : llvm::enumerate(cells))
    cell.walk([&, c = int(c)](Operation *op) {
      for (Value operand : op->getOperands()) {
        int &last = lastUse[canonical(operand)];
        last = std::max(last, c);
      }
    });
  if (ReturnOp ret = model.getReturnOp())
    lastUse[canonical(ret.getLoss())] = int(cells.size()) - 1;
  std::vector<Value> out;
  for (int c = 0; c < cut && c < int(cells.size()); ++c)
    for (Value r : cells[c].getResults()) {
      auto it = lastUse.find(canonical(r));
      if (it != lastUse.end() && it->second >= cut)
        out.push_back(canonical(r));
    }
  return out;
}

namespace {
/// The model as plan::layoutStage reads it: one id per value (a cell result
/// takes the id of the value its cell yields), ops in cell order.
struct ModelIds {
  plan::ModelDesc desc;
  llvm::DenseMap<Value, int> ids;
  std::vector<Value> values;
  std::vector<std::vector<Operation *>> ops; ///< per cell

  ModelIds(ModelOp model, int64_t batch) {
    for (Value input : model.getInputs())
      define(input, batch);
    desc.numInputs = int(values.size());
    for (CellOp cell : model.getCells()) {
      plan::CellDesc c;
      ops.emplace_back();
      for (Operation &op : cell.getBody().front().without_terminator()) {
        plan::OpDesc o;
        for (Value operand : op.getOperands())
          o.operands.push_back(idOf(canonical(operand)));
        o.savedFloats = savedFloats(&op, batch);
        o.wsavedFloats = wsavedFloats(&op, batch);
        o.result = define(op.getResult(0), batch);
        c.ops.push_back(std::move(o));
        ops.back().push_back(&op);
      }
      for (Value r : cell.getResults())
        c.results.push_back(idOf(canonical(r)));
      desc.cells.push_back(std::move(c));
    }
    if (ReturnOp ret = model.getReturnOp())
      for (Value v : ret->getOperands())
        desc.outputs.push_back(idOf(canonical(v)));
  }
  int define(Value v, int64_t batch) {
    plan::TensorDesc t;
    auto type = cast<RankedTensorType>(v.getType());
    for (int64_t d : type.getShape())
      t.dims.push_back(ShapedType::isDynamic(d) ? batch : d);
    t.isInt = !type.getElementType().isF32();
    ids[v] = int(values.size());
    values.push_back(v);
    desc.values.push_back(std::move(t));
    return ids[v];
  }
  int idOf(Value v) {
    auto it = ids.find(v);
    assert(it != ids.end() && "a value outside the model's inputs and cells");
    return it->second;
  }
};

Buffer toBuffer(const plan::BufferRange &b) {
  return Buffer{b.offset, b.bytes, b.scratch};
}
} // namespace

StageBuffers planStage(StageOp stage, int64_t batch, bool recompute) {
  auto model = stage->getParentOfType<ModelOp>();
  int begin = cellIndex(model, *stage.getCells().begin());
  int end = begin + static_cast<int>(llvm::range_size(stage.getCells()));
  ModelIds m(model, batch);
  // The stage's boundary as pipe-partition outlined it: its arguments came
  // over the cut before it; its results go over the cut after it, except
  // the last stage's, which is the loss.
  std::vector<int> in, out;
  for (Value v : stage.getInputs())
    in.push_back(m.idOf(canonical(v)));
  if (stage->getNextNode() != model.getReturnOp())
    for (Value v : stage.getResults())
      out.push_back(m.idOf(canonical(v)));
  plan::StageLayout sl =
      plan::layoutStage(m.desc, begin, end, recompute, &in, &out);
  StageBuffers sb;
  sb.begin = begin;
  sb.end = end;
  for (int v : sl.inBoundary)
    sb.inBoundary.push_back(m.values[v]);
  for (int v : sl.outBoundary)
    sb.outBoundary.push_back(m.values[v]);
  for (auto &[v, b] : sl.act)
    sb.act[m.values[v]] = toBuffer(b);
  for (auto &[v, b] : sl.grad)
    sb.grad[m.values[v]] = toBuffer(b);
  for (auto &[op, b] : sl.saved)
    sb.saved[m.ops[op.first][op.second]] = toBuffer(b);
  for (auto &[op, b] : sl.wsaved)
    sb.wsaved[m.ops[op.first][op.second]] = toBuffer(b);
  for (auto &[v, offset] : sl.passActOut)
    sb.passActOut[m.values[v]] = offset;
  for (auto &[v, offset] : sl.passGradIn)
    sb.passGradIn[m.values[v]] = offset;
  sb.actInOffset = sl.actInOffset;
  sb.actInBytes = sl.actInBytes;
  sb.actOutOffset = sl.actOutOffset;
  sb.actOutBytes = sl.actOutBytes;
  sb.gradOutOffset = sl.gradOutOffset;
  sb.gradInOffset = sl.gradInOffset;
  sb.slotBytes = sl.slotBytes;
  sb.scratchBytes = sl.scratchBytes;
  return sb;
}

} // namespace pipe::lowering
