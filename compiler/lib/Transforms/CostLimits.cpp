//===- CostLimits.cpp - Sizes the cost model can count without overflow --===//
//
// The cost model and the simulator count bytes in int64: a value's bytes,
// their sum over the model, and that sum times the micro-batches in flight.
// With seq = dim = batch = 2^20 those products overflow into nonsense plans
// (negative memory, internal attribute errors). This check runs first and
// names the size that is too large where it was written.
//
//===----------------------------------------------------------------------===//
#include "pipe/Transforms/CellCosts.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace pipe {
namespace {

/// Largest single buffer the cost model counts: 1 PiB.
constexpr int64_t kMaxValueBytes = int64_t(1) << 50;
/// Largest activation total times micro-batches: well inside int64.
constexpr int64_t kMaxTotalBytes = int64_t(1) << 62;

/// "f32[batch = 1048576, 1048576, 1048576]".
std::string describeShape(RankedTensorType type, int64_t batch) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << (type.getElementType().isInteger() ? "i32[" : "f32[");
  llvm::interleaveComma(type.getShape(), os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "batch = " << batch;
    else
      os << d;
  });
  os << "]";
  return s;
}

/// The bytes of `value` with the batch dim bound, or an error at `loc`.
FailureOr<int64_t> valueBytes(Value value, Location loc, int64_t batch) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return int64_t(0); // the describer reports it
  int64_t bytes = 4;
  for (int64_t d : type.getShape())
    if (llvm::MulOverflow(bytes, ShapedType::isDynamic(d) ? batch : d, bytes) ||
        bytes > kMaxValueBytes)
      return emitError(loc)
             << "this value, " << describeShape(type, batch)
             << ", is too large to plan: more than 2^50 bytes per "
                "micro-batch (a smaller batch or dimension)";
  return bytes;
}

} // namespace

LogicalResult checkCostSizes(ModelOp model, StrategyOp strategy) {
  int64_t batch = strategy.getBatch(), total = 0;
  auto add = [&](Value v, Location loc) {
    FailureOr<int64_t> bytes = valueBytes(v, loc, batch);
    if (failed(bytes))
      return failure();
    // Each term is at most 2^50, so the sum saturates below 2^63.
    total = std::min(total + *bytes, kMaxTotalBytes);
    return success();
  };
  for (Value input : model.getInputs())
    if (failed(add(input, model.getLoc())))
      return failure();
  WalkResult walk = model.walk([&](Operation *op) {
    for (Value result : op->getResults())
      if (failed(add(result, op->getLoc())))
        return WalkResult::interrupt();
    // The S x S scores per head, f32, are the one buffer not a value.
    if (auto a = dyn_cast<AttentionOp>(op)) {
      auto type = cast<RankedTensorType>(a.getInput().getType());
      int64_t rank = type.getRank();
      int64_t b =
          rank == 3 ? (type.isDynamicDim(0) ? batch : type.getDimSize(0)) : 1;
      int64_t s = rank >= 2 ? type.getDimSize(rank - 2) : 1, scores = 4;
      if (llvm::MulOverflow(scores, b, scores) ||
          llvm::MulOverflow(scores, int64_t(a.getHeads()), scores) ||
          llvm::MulOverflow(scores, s, scores) ||
          llvm::MulOverflow(scores, s, scores) || scores > kMaxValueBytes) {
        op->emitError() << "attention scores of " << describeShape(type, batch)
                        << " with " << a.getHeads()
                        << " heads are too large to plan: more than 2^50 "
                           "bytes per micro-batch (a shorter sequence or "
                           "smaller batch)";
        return WalkResult::interrupt();
      }
      total = std::min(total + scores, kMaxTotalBytes);
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  int64_t m = std::max<int64_t>(strategy.getMicrobatches(), 1), all;
  if (llvm::MulOverflow(total, m, all) || all >= kMaxTotalBytes)
    return strategy.emitError()
           << "batch = " << batch << " with " << m
           << " micro-batches is too large to plan: the activations would "
              "exceed 2^62 bytes";
  return success();
}

} // namespace pipe
