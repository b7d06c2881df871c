//===- BufferPlan.cpp - Place every buffer of a stage in its slot ---------===//
#include "pipe/Lowering/BufferPlan.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace pipe::lowering {

static constexpr int64_t kAlign = 64;

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
/// Hands out aligned byte ranges of one arena.
struct Arena {
  int64_t size = 0;
  Buffer take(int64_t bytes, bool scratch) {
    Buffer b{size, bytes, scratch};
    size += (bytes + kAlign - 1) / kAlign * kAlign;
    return b;
  }
};
} // namespace

static int64_t bytesOf(Value v, int64_t batch) {
  return 4 * numElements(v.getType(), batch);
}

static bool isFloat(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType().isF32();
}

StageBuffers planStage(StageOp stage, int64_t batch, bool recompute) {
  StageBuffers sb;
  auto model = stage->getParentOfType<ModelOp>();
  sb.begin = cellIndex(model, *stage.getCells().begin());
  sb.end = sb.begin + static_cast<int>(llvm::range_size(stage.getCells()));
  // The stage's boundary as pipe-partition outlined it: its arguments came
  // over the cut before it; its results go over the cut after it, except
  // the last stage's, which is the loss.
  for (Value v : stage.getInputs())
    sb.inBoundary.push_back(canonical(v));
  if (stage->getNextNode() != model.getReturnOp())
    for (Value v : stage.getResults())
      sb.outBoundary.push_back(canonical(v));

  std::vector<Operation *> ops;
  for (CellOp cell : stage.getCells())
    for (Operation &op : cell.getBody().front().without_terminator())
      ops.push_back(&op);
  llvm::DenseSet<Value> received(sb.inBoundary.begin(), sb.inBoundary.end());

  Arena slot, scratch;
  // Boundaries first, so a transfer is one contiguous range.
  sb.actInOffset = slot.size;
  for (Value v : sb.inBoundary)
    sb.act[v] = slot.take(bytesOf(v, batch), false);
  sb.actInBytes = slot.size - sb.actInOffset;
  sb.actOutOffset = slot.size;
  for (Value v : sb.outBoundary) {
    Buffer b = slot.take(bytesOf(v, batch), false);
    if (received.contains(v))
      sb.passActOut[v] = b.offset;
    else
      sb.act[v] = b;
  }
  sb.actOutBytes = slot.size - sb.actOutOffset;
  // Activations and saved buffers: kept per micro-batch, or in scratch when
  // backward recomputes them. Scalar losses stay in the slot (4 bytes).
  for (Operation *op : ops) {
    for (Value r : op->getResults()) {
      if (sb.act.count(r))
        continue;
      bool isScalar = cast<RankedTensorType>(r.getType()).getRank() == 0;
      sb.act[r] = recompute && !isScalar ? scratch.take(bytesOf(r, batch), true)
                                         : slot.take(bytesOf(r, batch), false);
    }
    if (int64_t n = savedFloats(op, batch))
      sb.saved[op] =
          recompute ? scratch.take(4 * n, true) : slot.take(4 * n, false);
  }
  // Gradients: w.r.t. the input boundary (sent back), the output boundary
  // (received), then every other float value the stage uses.
  sb.gradOutOffset = slot.size;
  for (Value v : sb.inBoundary)
    sb.grad[v] = slot.take(bytesOf(v, batch), false);
  sb.gradInOffset = slot.size;
  for (Value v : sb.outBoundary) {
    Buffer b = slot.take(bytesOf(v, batch), false);
    if (received.contains(v))
      sb.passGradIn[v] = b.offset;
    else
      sb.grad[v] = b;
  }
  for (Operation *op : ops) {
    for (Value operand : op->getOperands()) {
      Value v = canonical(operand);
      if (isFloat(v) && !sb.grad.count(v))
        sb.grad[v] = slot.take(bytesOf(v, batch), false);
    }
    for (Value r : op->getResults())
      if (cast<RankedTensorType>(r.getType()).getRank() > 0 &&
          !sb.grad.count(r))
        sb.grad[r] = slot.take(bytesOf(r, batch), false);
    if (int64_t n = wsavedFloats(op, batch))
      sb.wsaved[op] = slot.take(4 * n, false);
  }
  sb.slotBytes = slot.size;
  sb.scratchBytes = scratch.size;
  return sb;
}

} // namespace pipe::lowering
