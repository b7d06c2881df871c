//===- PipeMathOpsCalls.cpp - Each built-in op's calls into the op library ===//
//
// Forward (F), input gradient (B) and weight gradient (W) of every op as
// calls of lib/include/pipeops/ops.def, arguments in the signature's order.
// B skips the input gradient of a model input (it has no gradient buffer);
// W accumulates into the op's parameter gradients.
//
//===----------------------------------------------------------------------===//
#include "pipe/Dialect/PipeOps.h"

using namespace mlir;
using namespace pipe;
using Arg = LibraryCalls::Arg;

/// "pipeops::<mnemonic>_<phase>": ops whose library functions follow the
/// op's name.
static std::string libraryName(Operation *op, StringRef phase) {
  return ("pipeops::" + op->getName().stripDialect() + "_" + phase).str();
}

//===----------------------------------------------------------------------===//
// embedding, linear
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::emitForward(LibraryCalls &c) {
  Value ids = getIds(), out = getResult();
  Operation *op = *this;
  c.call("pipeops::embedding_forward",
         {c.context(), c.act(out), c.ids(ids), c.param(op, 0),
          getPositional() ? Arg(c.param(op, 1)) : Arg(c.null()),
          c.i64(c.elems(ids)), c.i64(c.last(ids)), c.i64(getVocab()),
          c.i64(getDim())});
  return success();
}

void EmbeddingOp::emitBackwardWeight(LibraryCalls &c) {
  Value ids = getIds(), out = getResult();
  Operation *op = *this;
  c.call("pipeops::embedding_backward_weight",
         {c.context(), c.paramGrad(op, 0),
          getPositional() ? Arg(c.paramGrad(op, 1)) : Arg(c.null()),
          c.grad(out), c.ids(ids), c.i64(c.elems(ids)), c.i64(c.last(ids)),
          c.i64(getVocab()), c.i64(getDim())});
}

// A tied layer's parameter 0 is the embedding's table, N x K: the
// tied_linear_* calls multiply by its transpose.
LogicalResult LinearOp::emitForward(LibraryCalls &c) {
  Value in = getInput(), out = getResult();
  Operation *op = *this;
  if (getTied()) {
    c.call("pipeops::tied_linear_forward",
           {c.context(), c.act(out), c.act(in), c.param(op, 0),
            c.i64(c.rows(in)), c.i64(c.last(in)), c.i64(getOutFeatures())});
    return success();
  }
  c.call("pipeops::linear_forward",
         {c.context(), c.act(out), c.act(in), c.param(op, 0),
          getBias() ? Arg(c.param(op, 1)) : Arg(c.null()), c.i64(c.rows(in)),
          c.i64(c.last(in)), c.i64(getOutFeatures())});
  return success();
}

void LinearOp::emitBackwardInput(LibraryCalls &c) {
  Value in = getInput(), out = getResult();
  if (c.isInput(in))
    return;
  c.call(getTied() ? "pipeops::tied_linear_backward_input"
                   : "pipeops::linear_backward_input",
         {c.context(), c.grad(in), c.grad(out), c.param(*this, 0),
          c.i64(c.rows(in)), c.i64(c.last(in)), c.i64(getOutFeatures())});
}

void LinearOp::emitBackwardWeight(LibraryCalls &c) {
  Value in = getInput(), out = getResult();
  Operation *op = *this;
  if (getTied()) {
    c.call("pipeops::tied_linear_backward_weight",
           {c.context(), c.paramGrad(op, 0), c.grad(out), c.act(in),
            c.i64(c.rows(in)), c.i64(c.last(in)), c.i64(getOutFeatures())});
    return;
  }
  c.call("pipeops::linear_backward_weight",
         {c.context(), c.paramGrad(op, 0),
          getBias() ? Arg(c.paramGrad(op, 1)) : Arg(c.null()), c.grad(out),
          c.act(in), c.i64(c.rows(in)), c.i64(c.last(in)),
          c.i64(getOutFeatures())});
}

//===----------------------------------------------------------------------===//
// layernorm, rmsnorm
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::emitForward(LibraryCalls &c) {
  Value in = getInput(), out = getResult();
  Operation *op = *this;
  c.call("pipeops::layernorm_forward",
         {c.context(), c.act(out), c.saved(op), c.act(in), c.param(op, 0),
          c.param(op, 1), c.i64(c.rows(in)), c.i64(c.last(in)),
          c.f32(getEps().convertToDouble())});
  return success();
}

void LayerNormOp::emitBackwardInput(LibraryCalls &c) {
  Value in = getInput(), out = getResult();
  Operation *op = *this;
  if (c.isInput(in))
    return;
  c.call("pipeops::layernorm_backward_input",
         {c.context(), c.grad(in), c.grad(out), c.act(in), c.saved(op),
          c.param(op, 0), c.i64(c.rows(in)), c.i64(c.last(in))});
}

void LayerNormOp::emitBackwardWeight(LibraryCalls &c) {
  Value in = getInput(), out = getResult();
  Operation *op = *this;
  c.call("pipeops::layernorm_backward_weight",
         {c.context(), c.paramGrad(op, 0), c.paramGrad(op, 1), c.grad(out),
          c.act(in), c.saved(op), c.i64(c.rows(in)), c.i64(c.last(in))});
}

LogicalResult RMSNormOp::emitForward(LibraryCalls &c) {
  Value in = getInput(), out = getResult();
  Operation *op = *this;
  c.call("pipeops::rmsnorm_forward",
         {c.context(), c.act(out), c.saved(op), c.act(in), c.param(op, 0),
          c.i64(c.rows(in)), c.i64(c.last(in)),
          c.f32(getEps().convertToDouble())});
  return success();
}

void RMSNormOp::emitBackwardInput(LibraryCalls &c) {
  Value in = getInput(), out = getResult();
  Operation *op = *this;
  if (c.isInput(in))
    return;
  c.call("pipeops::rmsnorm_backward_input",
         {c.context(), c.grad(in), c.grad(out), c.act(in), c.saved(op),
          c.param(op, 0), c.i64(c.rows(in)), c.i64(c.last(in))});
}

void RMSNormOp::emitBackwardWeight(LibraryCalls &c) {
  Value in = getInput(), out = getResult();
  Operation *op = *this;
  c.call("pipeops::rmsnorm_backward_weight",
         {c.context(), c.paramGrad(op, 0), c.grad(out), c.act(in), c.saved(op),
          c.i64(c.rows(in)), c.i64(c.last(in))});
}

//===----------------------------------------------------------------------===//
// activations, add, mul
//===----------------------------------------------------------------------===//

/// gelu, relu, silu: X_forward(ctx, out, in, n), X_backward_input(ctx, din,
/// dout, in, n).
static void activationForward(Operation *op, LibraryCalls &c) {
  Value in = op->getOperand(0), out = op->getResult(0);
  c.call(libraryName(op, "forward"),
         {c.context(), c.act(out), c.act(in), c.i64(c.elems(in))});
}

static void activationBackward(Operation *op, LibraryCalls &c) {
  Value in = op->getOperand(0), out = op->getResult(0);
  if (c.isInput(in))
    return;
  c.call(libraryName(op, "backward_input"),
         {c.context(), c.grad(in), c.grad(out), c.act(in), c.i64(c.elems(in))});
}

#define PIPE_ACTIVATION_CALLS(OP)                                              \
  LogicalResult OP::emitForward(LibraryCalls &c) {                             \
    activationForward(*this, c);                                               \
    return success();                                                          \
  }                                                                            \
  void OP::emitBackwardInput(LibraryCalls &c) { activationBackward(*this, c); }
PIPE_ACTIVATION_CALLS(GeluOp)
PIPE_ACTIVATION_CALLS(ReluOp)
PIPE_ACTIVATION_CALLS(SiluOp)
#undef PIPE_ACTIVATION_CALLS

/// add, mul: X_forward(ctx, out, a, b, n).
static void binaryForward(Operation *op, LibraryCalls &c) {
  Value out = op->getResult(0);
  c.call(libraryName(op, "forward"),
         {c.context(), c.act(out), c.act(op->getOperand(0)),
          c.act(op->getOperand(1)), c.i64(c.elems(out))});
}

LogicalResult AddOp::emitForward(LibraryCalls &c) {
  binaryForward(*this, c);
  return success();
}

void AddOp::emitBackwardInput(LibraryCalls &c) {
  Value out = getResult();
  c.call("pipeops::add_backward_input",
         {c.context(), c.grad(getLhs()), c.grad(getRhs()), c.grad(out),
          c.i64(c.elems(out))});
}

LogicalResult MulOp::emitForward(LibraryCalls &c) {
  binaryForward(*this, c);
  return success();
}

void MulOp::emitBackwardInput(LibraryCalls &c) {
  Value out = getResult();
  c.call("pipeops::mul_backward_input",
         {c.context(), c.grad(getLhs()), c.grad(getRhs()), c.grad(out),
          c.act(getLhs()), c.act(getRhs()), c.i64(c.elems(out))});
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::emitForward(LibraryCalls &c) {
  Value x = getInput(), out = getResult();
  Operation *op = *this;
  auto shape = getInput().getType().getShape();
  // Biases, when present, are parameters 4..7 (bq, bk, bv, bo).
  auto bias = [&](int which) {
    return getBias() ? Arg(c.param(op, 4 + which)) : Arg(c.null());
  };
  c.call("pipeops::attention_forward",
         {c.context(), c.act(out), c.saved(op), c.act(x), c.param(op, 0),
          c.param(op, 1), c.param(op, 2), c.param(op, 3), bias(0), bias(1),
          bias(2), bias(3), c.i64(c.batch()), c.i64(shape[1]), c.i64(shape[2]),
          c.i64(getHeads()), c.i64(getKvHeads()), c.boolean(getCausal()),
          c.boolean(getRope())});
  return success();
}

void AttentionOp::emitBackwardInput(LibraryCalls &c) {
  Value x = getInput(), out = getResult();
  Operation *op = *this;
  auto shape = getInput().getType().getShape();
  c.call("pipeops::attention_backward_input",
         {c.context(), c.grad(x), c.wsaved(op), c.grad(out), c.act(x),
          c.saved(op), c.param(op, 0), c.param(op, 1), c.param(op, 2),
          c.param(op, 3), c.i64(c.batch()), c.i64(shape[1]), c.i64(shape[2]),
          c.i64(getHeads()), c.i64(getKvHeads()), c.boolean(getCausal()),
          c.boolean(getRope())});
}

void AttentionOp::emitBackwardWeight(LibraryCalls &c) {
  Value x = getInput(), out = getResult();
  Operation *op = *this;
  auto shape = getInput().getType().getShape();
  auto dbias = [&](int which) {
    return getBias() ? Arg(c.paramGrad(op, 4 + which)) : Arg(c.null());
  };
  c.call("pipeops::attention_backward_weight", {c.context(),
                                                c.paramGrad(op, 0),
                                                c.paramGrad(op, 1),
                                                c.paramGrad(op, 2),
                                                c.paramGrad(op, 3),
                                                dbias(0),
                                                dbias(1),
                                                dbias(2),
                                                dbias(3),
                                                c.grad(out),
                                                c.act(x),
                                                c.saved(op),
                                                c.wsaved(op),
                                                c.i64(c.batch()),
                                                c.i64(shape[1]),
                                                c.i64(shape[2]),
                                                c.i64(getHeads()),
                                                c.i64(getKvHeads()),
                                                c.boolean(getCausal()),
                                                c.boolean(getRope())});
}

//===----------------------------------------------------------------------===//
// losses: the gradient of the loss is the runtime's loss scale
//===----------------------------------------------------------------------===//

LogicalResult CrossEntropyOp::emitForward(LibraryCalls &c) {
  Operation *op = *this;
  if (failed(c.checkLoss(op)))
    return failure();
  Value logits = getLogits();
  c.call("pipeops::cross_entropy_forward",
         {c.context(), c.actF32(getResult()), c.saved(op), c.act(logits),
          c.ids(getTargets()), c.i64(c.rows(logits)), c.i64(c.last(logits))});
  return success();
}

void CrossEntropyOp::emitBackwardInput(LibraryCalls &c) {
  Value logits = getLogits();
  c.call("pipeops::cross_entropy_backward_input",
         {c.context(), c.grad(logits), c.lossScale(), c.act(logits),
          c.ids(getTargets()), c.saved(*this), c.i64(c.rows(logits)),
          c.i64(c.last(logits))});
}

LogicalResult MseOp::emitForward(LibraryCalls &c) {
  if (failed(c.checkLoss(*this)))
    return failure();
  c.call("pipeops::mse_forward",
         {c.context(), c.actF32(getResult()), c.act(getPred()),
          c.act(getTarget()), c.i64(c.elems(getPred()))});
  return success();
}

void MseOp::emitBackwardInput(LibraryCalls &c) {
  c.call("pipeops::mse_backward_input",
         {c.context(), c.grad(getPred()), c.lossScale(), c.act(getPred()),
          c.act(getTarget()), c.i64(c.elems(getPred()))});
}

//===----------------------------------------------------------------------===//
// extern calls: NAME_forward_op / NAME_backward_op of the generated
// extern_ops.h beside the model
//===----------------------------------------------------------------------===//

LogicalResult ExternCallOp::emitForward(LibraryCalls &c) {
  SmallVector<Arg> args = {c.context(), c.act(getResult())};
  for (Value in : getInputs())
    args.push_back(c.act(in));
  args.push_back(c.i64(c.elems(getResult())));
  c.call((getCallee() + "_forward_op").str(), args);
  return success();
}

void ExternCallOp::emitBackwardInput(LibraryCalls &c) {
  SmallVector<Arg> args = {c.context()};
  for (Value in : getInputs())
    args.push_back(c.grad(in));
  args.push_back(c.grad(getResult()));
  for (Value in : getInputs())
    args.push_back(c.act(in));
  args.push_back(c.i64(c.elems(getResult())));
  c.call((getCallee() + "_backward_op").str(), args);
}
