//===- BufferPlan.cpp - Place every buffer of a stage in its slot ---------===//
#include "pipe/Lowering/BufferPlan.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace pipe::lowering {

static constexpr int64_t kAlign = 64;

Value canonical(Value v) {
  if (auto cell = v.getDefiningOp<CellOp>())
    return canonical(
        cell.getYieldOp()->getOperand(cast<OpResult>(v).getResultNumber()));
  return v;
}

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
  std::vector<Value> out;
  int i = 0;
  for (CellOp cell : model.getCells()) {
    if (i++ >= cut)
      break;
    for (Value r : cell.getResults())
      if (llvm::any_of(r.getUsers(), [&](Operation *user) {
            return cellIndex(model, user) >= cut;
          }))
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

StageBuffers planStage(ModelOp model, int begin, int end, int64_t batch,
                       bool recompute) {
  StageBuffers sb;
  sb.begin = begin;
  sb.end = end;
  int numCells = static_cast<int>(llvm::range_size(model.getCells()));
  if (begin > 0)
    sb.inBoundary = boundaryValues(model, begin);
  if (end < numCells)
    sb.outBoundary = boundaryValues(model, end);

  std::vector<Operation *> ops;
  int i = 0;
  for (CellOp cell : model.getCells()) {
    if (i >= begin && i < end)
      for (Operation &op : cell.getBody().front().without_terminator())
        ops.push_back(&op);
    ++i;
  }
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
