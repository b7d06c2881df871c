//===- PipeMathOps.cpp - Shape rules of the built-in ops and their verifiers
//===//
//
// Each inferResultType is a row of language.md's op table, written once: the
// verifier checks an op's declared result against it and the .pipe front end
// calls it before building IR (ModelOpInterface). Each error is worded for
// both readers beside its condition; dtypes the ODS constraints enforce have
// no IR wording.
//
//===----------------------------------------------------------------------===//
#include "pipe/Dialect/PipeOps.h"

using namespace mlir;
using namespace pipe;

static RankedTensorType f32Tensor(MLIRContext *ctx, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(ctx));
}

//===----------------------------------------------------------------------===//
// embedding, linear, norms
//===----------------------------------------------------------------------===//

FailureOr<Type> EmbeddingOp::inferResultType(ShapeRule &rule) {
  Type idsType = rule.operand(0);
  RankedTensorType ids = rule.operand(0);
  if (!ids || !ids.getElementType().isInteger(32) || ids.getRank() < 1)
    return rule.fail({idsType}, "ids must have shape [..., S], got {0}",
                     "embedding expects i32 ids with at least one "
                     "dimension, got {0}");
  if (rule.getBool("positional") && ids.isDynamicDim(ids.getRank() - 1))
    return rule.fail({ids},
                     "positional embedding needs a static sequence length, "
                     "got ids {0}",
                     "a positional embedding needs a fixed sequence "
                     "dimension, got ids {0}");
  int64_t dim = rule.getInt("dim");
  if (failed(rule.paramSize(rule.getInt("vocab"), dim, "table")))
    return failure();
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(dim);
  return Type(f32Tensor(rule.getContext(), shape));
}

LogicalResult EmbeddingOp::verify() {
  return verifyShapeRule(*this, inferResultType,
                         "ids' shape followed by dim = " + Twine(getDim()));
}

FailureOr<Type> LinearOp::inferResultType(ShapeRule &rule) {
  if (failed(rule.needFloat(0, "input", 1)))
    return failure();
  RankedTensorType in = rule.operand(0);
  int64_t n = rule.getInt("out_features");
  if (failed(rule.paramSize(in.getShape().back(), n, "weight")))
    return failure();
  SmallVector<int64_t> shape(in.getShape());
  shape.back() = n;
  return Type(f32Tensor(rule.getContext(), shape));
}

EmbeddingOp LinearOp::getTiedEmbedding() {
  auto model = (*this)->getParentOfType<ModelOp>();
  if (!getTied() || !model)
    return nullptr;
  EmbeddingOp found;
  model.walk([&](EmbeddingOp e) {
    if (e.getParam() == *getTied()) {
      found = e;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

/// A tied layer reads an embedding's vocab x dim table as its transposed
/// weight (the .pipe front end reports the same at the `tied` argument).
static LogicalResult verifyTie(LinearOp op) {
  if (op.getBias())
    return op.emitOpError() << "a tied linear has no bias of its own; bias "
                               "must be false";
  EmbeddingOp table = op.getTiedEmbedding();
  if (!table)
    return op.emitOpError() << "tied = \"" << *op.getTied()
                            << "\" names no pipe.embedding of the model";
  int64_t k = op.getInput().getType().getShape().back();
  if (int64_t(table.getVocab()) != int64_t(op.getOutFeatures()))
    return op.emitOpError()
           << "out_features = " << op.getOutFeatures()
           << " must equal the tied embedding's vocab = " << table.getVocab();
  if (int64_t(table.getDim()) != k)
    return op.emitOpError()
           << "the input's last dimension " << k
           << " must equal the tied embedding's dim = " << table.getDim();
  return success();
}

LogicalResult LinearOp::verify() {
  if (failed(verifyShapeRule(*this, inferResultType,
                             "the input's shape with its last dimension "
                             "replaced by out_features = " +
                                 Twine(getOutFeatures()))))
    return failure();
  return getTied() ? verifyTie(*this) : success();
}

/// layernorm, rmsnorm: over a static last dimension; the input's type.
static FailureOr<Type> normRule(ShapeRule &rule) {
  if (failed(rule.needFloat(0, "input", 1)))
    return failure();
  return Type(rule.operand(0));
}

FailureOr<Type> LayerNormOp::inferResultType(ShapeRule &rule) {
  return normRule(rule);
}
FailureOr<Type> RMSNormOp::inferResultType(ShapeRule &rule) {
  return normRule(rule);
}

/// eps is an argument range (the front end checks it where it is written),
/// not a shape rule.
template <typename NormOp> static LogicalResult verifyNorm(NormOp op) {
  if (failed(verifyShapeRule(op, NormOp::inferResultType)))
    return failure();
  double eps = op.getEps().convertToDouble();
  if (!(eps > 0)) // also rejects NaN
    return op.emitOpError() << "eps must be positive, got " << eps;
  return success();
}

LogicalResult LayerNormOp::verify() { return verifyNorm(*this); }
LogicalResult RMSNormOp::verify() { return verifyNorm(*this); }

//===----------------------------------------------------------------------===//
// elementwise
//===----------------------------------------------------------------------===//

static FailureOr<Type> activationRule(ShapeRule &rule) {
  if (failed(rule.needFloat(0, "input", 0)))
    return failure();
  return Type(rule.operand(0));
}

FailureOr<Type> GeluOp::inferResultType(ShapeRule &rule) {
  return activationRule(rule);
}
FailureOr<Type> ReluOp::inferResultType(ShapeRule &rule) {
  return activationRule(rule);
}
FailureOr<Type> SiluOp::inferResultType(ShapeRule &rule) {
  return activationRule(rule);
}
LogicalResult GeluOp::verify() {
  return verifyShapeRule(*this, inferResultType);
}
LogicalResult ReluOp::verify() {
  return verifyShapeRule(*this, inferResultType);
}
LogicalResult SiluOp::verify() {
  return verifyShapeRule(*this, inferResultType);
}

/// `a + b`, `a * b`: identical float shapes (the front end names the op by
/// its operator).
static FailureOr<Type> binaryRule(ShapeRule &rule) {
  Type a = rule.operand(0), b = rule.operand(1);
  std::string op = "'" + rule.opName().str() + "'";
  auto isFloat = [](RankedTensorType t) {
    return t && t.getElementType().isF32();
  };
  if (!isFloat(rule.operand(0)) || !isFloat(rule.operand(1)))
    return rule.fail({a, b}, "", op + " needs float tensors, got {0} and {1}");
  if (a != b)
    return rule.fail({a, b}, "",
                     "operands of " + op +
                         " have different shapes: {0} and "
                         "{1}");
  return a;
}

FailureOr<Type> AddOp::inferResultType(ShapeRule &rule) {
  return binaryRule(rule);
}
FailureOr<Type> MulOp::inferResultType(ShapeRule &rule) {
  return binaryRule(rule);
}
LogicalResult AddOp::verify() {
  return verifyShapeRule(*this, inferResultType);
}
LogicalResult MulOp::verify() {
  return verifyShapeRule(*this, inferResultType);
}

//===----------------------------------------------------------------------===//
// attention, losses
//===----------------------------------------------------------------------===//

FailureOr<Type> AttentionOp::inferResultType(ShapeRule &rule) {
  Type type = rule.operand(0);
  RankedTensorType x = rule.operand(0);
  if (!x || !x.getElementType().isF32())
    return rule.fail({type}, "",
                     "attention expects a float tensor as input, got {0}");
  const char *bsd = "input must have shape [B, S, D], got {0}";
  if (x.getRank() < 3)
    return rule.fail({x}, bsd,
                     "attention expects input with at least 3 dimension(s), "
                     "got {0}");
  const char *staticDims =
      "sequence and model dimensions must be static, got {0}";
  if (x.isDynamicDim(x.getRank() - 1))
    return rule.fail({x}, x.getRank() == 3 ? staticDims : bsd,
                     "attention needs a fixed last dimension, got {0}");
  if (x.getRank() != 3)
    return rule.fail({x}, bsd, "attention expects [B, S, D], got {0}");
  if (x.isDynamicDim(1))
    return rule.fail({x}, staticDims, "");
  int64_t d = x.getDimSize(2), heads = rule.getInt("heads"),
          kv = rule.getInt("kv_heads");
  std::string hs = std::to_string(heads), kvs = std::to_string(kv);
  if (heads <= 0 || d % heads != 0)
    return rule.fail({},
                     "model dimension D = " + std::to_string(d) +
                         " is not divisible by heads = " + hs,
                     "attention: the model dimension " + std::to_string(d) +
                         " is not divisible by heads = " + hs);
  if (kv <= 0 || heads % kv != 0)
    return rule.fail(
        {}, "heads = " + hs + " is not a multiple of kv_heads = " + kvs,
        "attention: heads = " + hs + " is not divisible by kv_heads = " + kvs);
  // The op library rotates pairs of a head's dimensions.
  if (rule.getBool("rope") && (d / heads) % 2 != 0) {
    std::string text =
        "rope needs an even head dimension, got " + std::to_string(d / heads);
    return rule.fail({}, text, "attention: " + text);
  }
  if (failed(rule.paramSize(d, d, "projection")))
    return failure();
  return Type(x);
}

LogicalResult AttentionOp::verify() {
  return verifyShapeRule(*this, inferResultType);
}

FailureOr<Type> CrossEntropyOp::inferResultType(ShapeRule &rule) {
  if (failed(rule.needFloat(0, "logits", 1)))
    return failure();
  RankedTensorType logits = rule.operand(0);
  Type targets = rule.operand(1);
  auto expected = RankedTensorType::get(
      logits.getShape().drop_back(), IntegerType::get(rule.getContext(), 32));
  if (targets != expected)
    return rule.fail({expected, logits, targets},
                     "targets must have the logits' shape without its last "
                     "dimension: expected {0}, got {2}",
                     "cross_entropy targets must be {0} (the logits' shape "
                     "{1} without its last dimension), got {2}");
  return Type(f32Tensor(rule.getContext(), {}));
}

LogicalResult CrossEntropyOp::verify() {
  return verifyShapeRule(*this, inferResultType);
}

FailureOr<Type> MseOp::inferResultType(ShapeRule &rule) {
  if (failed(rule.needFloat(0, "prediction", 0)) ||
      failed(rule.needFloat(1, "target", 0)))
    return failure();
  Type pred = rule.operand(0), target = rule.operand(1);
  if (pred != target)
    return rule.fail({pred, target}, "",
                     "mse operands have different shapes: {0} and {1}");
  return Type(f32Tensor(rule.getContext(), {}));
}

LogicalResult MseOp::verify() {
  return verifyShapeRule(*this, inferResultType);
}

//===----------------------------------------------------------------------===//
// extern calls
//===----------------------------------------------------------------------===//

/// Same-typed float operands (the front end names the op by the extern's
/// name); the result has their type.
FailureOr<Type> ExternCallOp::inferResultType(ShapeRule &rule) {
  return rule.sameFloatOperands();
}

LogicalResult ExternCallOp::verify() {
  return verifyShapeRule(*this, inferResultType);
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
