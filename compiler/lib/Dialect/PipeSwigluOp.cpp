//===- PipeSwigluOp.cpp - pipe.swiglu: silu(a) * b, fused ----------------===//
//
// Everything the pipeline knows about swiglu, through ModelOpInterface: its
// shape rule, its cost and its library calls (lib/host/swiglu.cpp,
// lib/cuda/swiglu.cu). It has no parameters and saves only its operands.
//
//===----------------------------------------------------------------------===//
#include "pipe/Dialect/PipeOps.h"

using namespace mlir;
using namespace pipe;

/// Two float tensors of one type; the result has it.
FailureOr<Type> SwigluOp::inferResultType(ShapeRule &rule) {
  if (rule.size() != 2)
    return rule.fail({}, "takes two operands", "swiglu takes two operands");
  return rule.sameFloatOperands();
}

LogicalResult SwigluOp::verify() {
  return verifyShapeRule(*this, inferResultType);
}

/// n elements, s = sigmoid(a) (4 flops):
///  F: s (4), a*s (1), * b (1) = 6n; reads a, b, writes out (3en).
///  B: da += dy*b*s*(1 + a(1 - s)): s (4), 1 - s, a*(.), + 1, s*(.) (4),
///     * b, * dy, accumulate (3) = 11; db += dy*a*s: a*s, * dy, accumulate
///     (3) = 14n in all; reads a, b, dout (3en), two RMWs (4en).
/// Saves a and b.
FailureOr<plan::OpCost> SwigluOp::getCost(int64_t batch, int floatBytes) {
  plan::OpCost c;
  double e = floatBytes, n = double(boundElements(getA().getType(), batch));
  c.fwd.kernels = {{6 * n, 3 * e * n, false}};
  c.dgrad.kernels = {{14 * n, 7 * e * n, false}};
  c.savedOperands = {0, 1};
  return c;
}

LogicalResult SwigluOp::emitForward(LibraryCalls &c) {
  Value out = getResult();
  c.call("pipeops::swiglu_forward", {c.context(), c.act(out), c.act(getA()),
                                     c.act(getB()), c.i64(c.elems(out))});
  return success();
}

/// Like mul, both operands get a gradient (the buffer plan gives every float
/// operand one, model inputs included).
void SwigluOp::emitBackwardInput(LibraryCalls &c) {
  Value a = getA(), b = getB(), out = getResult();
  c.call("pipeops::swiglu_backward_input",
         {c.context(), c.grad(a), c.grad(b), c.grad(out), c.act(a), c.act(b),
          c.i64(c.elems(out))});
}
