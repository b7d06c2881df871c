//===- PipeMathOps.cpp - Shape and dtype rules of the built-in ops -------===//
//
// Each verifier restates a row of language.md's op table; dtypes and the
// same-type rules are already enforced by the ODS constraints and traits.
//
//===----------------------------------------------------------------------===//
#include "pipe/Dialect/PipeOps.h"

using namespace mlir;
using namespace pipe;

/// The type an op's result must have, for "expected X, got Y" messages.
static RankedTensorType withShape(RankedTensorType like,
                                  ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, like.getElementType());
}

/// The feature dimension ops take parameters over must exist and be static.
static LogicalResult verifyStaticLastDim(Operation *op, RankedTensorType type,
                                         StringRef what) {
  if (type.getRank() < 1 || type.isDynamicDim(type.getRank() - 1))
    return op->emitOpError()
           << what << " must have a static last dimension, got " << type;
  return success();
}

LogicalResult EmbeddingOp::verify() {
  RankedTensorType ids = getIds().getType();
  if (ids.getRank() < 1)
    return emitOpError() << "ids must have shape [..., S], got " << ids;
  if (getPositional() && ids.isDynamicDim(ids.getRank() - 1))
    return emitOpError() << "positional embedding needs a static sequence "
                            "length, got ids "
                         << ids;
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(getDim());
  RankedTensorType expected = withShape(getResult().getType(), shape);
  if (getResult().getType() != expected)
    return emitOpError() << "result must be ids' shape followed by dim = "
                         << getDim() << ": expected " << expected << ", got "
                         << getResult().getType();
  return success();
}

LogicalResult LinearOp::verify() {
  RankedTensorType in = getInput().getType();
  if (failed(verifyStaticLastDim(*this, in, "input")))
    return failure();
  SmallVector<int64_t> shape(in.getShape());
  shape.back() = getOutFeatures();
  RankedTensorType expected = withShape(in, shape);
  if (getResult().getType() != expected)
    return emitOpError() << "result must be the input's shape with its last "
                            "dimension replaced by out_features = "
                         << getOutFeatures() << ": expected " << expected
                         << ", got " << getResult().getType();
  return success();
}

template <typename NormOp> static LogicalResult verifyNorm(NormOp op) {
  if (failed(verifyStaticLastDim(op, op.getInput().getType(), "input")))
    return failure();
  double eps = op.getEps().convertToDouble();
  if (!(eps > 0)) // also rejects NaN
    return op.emitOpError() << "eps must be positive, got " << eps;
  return success();
}

LogicalResult LayerNormOp::verify() { return verifyNorm(*this); }
LogicalResult RMSNormOp::verify() { return verifyNorm(*this); }

LogicalResult AttentionOp::verify() {
  RankedTensorType in = getInput().getType();
  if (in.getRank() != 3)
    return emitOpError() << "input must have shape [B, S, D], got " << in;
  if (in.isDynamicDim(1) || in.isDynamicDim(2))
    return emitOpError() << "sequence and model dimensions must be static, got "
                         << in;
  int64_t dim = in.getDimSize(2);
  if (dim % getHeads() != 0)
    return emitOpError() << "model dimension D = " << dim
                         << " is not divisible by heads = " << getHeads();
  if (getHeads() % getKvHeads() != 0)
    return emitOpError() << "heads = " << getHeads()
                         << " is not a multiple of kv_heads = " << getKvHeads();
  return success();
}

LogicalResult CrossEntropyOp::verify() {
  RankedTensorType logits = getLogits().getType();
  if (failed(verifyStaticLastDim(*this, logits, "logits")))
    return failure();
  RankedTensorType expected =
      withShape(getTargets().getType(), logits.getShape().drop_back());
  if (getTargets().getType() != expected)
    return emitOpError() << "targets must have the logits' shape without its "
                            "last dimension: expected "
                         << expected << ", got " << getTargets().getType();
  return success();
}

LogicalResult ExternCallOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one operand";
  return success();
}

LogicalResult
ExternCallOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto decl =
      symbolTable.lookupNearestSymbolFrom<ExternDeclOp>(*this, getCalleeAttr());
  if (!decl)
    return emitOpError() << "'@" << getCallee()
                         << "' does not name a pipe.extern_op";
  if (decl.getParams().size() != getInputs().size())
    return emitOpError() << "'@" << getCallee() << "' takes "
                         << decl.getParams().size() << " operands, got "
                         << getInputs().size();
  return success();
}
