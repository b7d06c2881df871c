//===- TestOps.h - Plan tests' ops, costed by the pipe dialect's ops ------===//
//
// The planning core knows no op kinds: each OpDesc carries the cost its op
// states (ModelOpInterface::getCost). Tests describe an op by kind and
// attributes as before; opCost builds that pipe op over operands of the given
// static shapes and asks it.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TEST_UNIT_PLAN_TESTOPS_H
#define PIPE_TEST_UNIT_PLAN_TESTOPS_H

#include "pipe/Dialect/PipeOps.h"
#include "pipe/Plan/CostModel.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdlib>

namespace pipe::plan::test {

enum class Kind {
  Embedding,
  Linear,
  LayerNorm,
  RMSNorm,
  Gelu,
  Relu,
  Silu,
  Swiglu,
  Add,
  Mul,
  Attention,
  CrossEntropy,
  Mse,
  Extern,
};

/// An op as the tests write it: its kind, operand and result shapes, and
/// the attributes of its kind.
struct TestOp {
  Kind kind = Kind::Add;
  std::vector<int> operands;      ///< value ids
  std::vector<TensorDesc> inputs; ///< shapes of the operands
  TensorDesc output;
  int64_t vocab = 0, dim = 0;
  bool positional = false;
  int64_t outFeatures = 0;
  bool bias = true;
  int64_t heads = 0, kvHeads = 0;
  bool causal = true, rope = false;
  double externFwdFlops = 0, externBwdFlops = 0;
};

inline const char *opName(Kind kind) {
  static const char *names[] = {
      "pipe.embedding", "pipe.linear",     "pipe.layernorm",
      "pipe.rmsnorm",   "pipe.gelu",       "pipe.relu",
      "pipe.silu",      "pipe.swiglu",     "pipe.add",
      "pipe.mul",       "pipe.attention",  "pipe.cross_entropy",
      "pipe.mse",       "pipe.extern_call"};
  return names[int(kind)];
}

inline mlir::MLIRContext &testContext() {
  static mlir::MLIRContext *ctx = [] {
    auto *c = new mlir::MLIRContext();
    c->loadDialect<PipeDialect>();
    return c;
  }();
  return *ctx;
}

inline mlir::Type typeOf(mlir::OpBuilder &b, const TensorDesc &t) {
  mlir::Type element =
      t.isInt ? mlir::Type(b.getI32Type()) : mlir::Type(b.getF32Type());
  return mlir::RankedTensorType::get(t.dims, element);
}

/// The cost the pipe op of `op` states for floats of `floatBytes`; with
/// `desc`, also its parameter tensors and saved floats (batch 1).
inline OpCost opCost(const TestOp &op, int floatBytes,
                     OpDesc *desc = nullptr) {
  mlir::MLIRContext &ctx = testContext();
  mlir::OpBuilder b(&ctx);
  mlir::Location loc = b.getUnknownLoc();
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  if (op.kind == Kind::Extern) {
    auto decl =
        ExternDeclOp::create(b, loc, "f", b.getStrArrayAttr({}), "f.cu");
    decl->setAttr("fwd_flops", b.getF64FloatAttr(op.externFwdFlops));
    decl->setAttr("bwd_flops", b.getF64FloatAttr(op.externBwdFlops));
  }
  // Operands come from casts of nothing: only their types matter here.
  mlir::SmallVector<mlir::Value> operands;
  for (const TensorDesc &in : op.inputs)
    operands.push_back(
        mlir::UnrealizedConversionCastOp::create(
            b, loc, mlir::TypeRange{typeOf(b, in)}, mlir::ValueRange{})
            .getResult(0));
  mlir::OperationState state(loc, opName(op.kind));
  state.addOperands(operands);
  state.addTypes(typeOf(b, op.output));
  auto i64 = [&](const char *name, int64_t v) {
    state.addAttribute(name, b.getI64IntegerAttr(v));
  };
  auto boolean = [&](const char *name, bool v) {
    state.addAttribute(name, b.getBoolAttr(v));
  };
  switch (op.kind) {
  case Kind::Embedding:
    i64("vocab", op.vocab);
    i64("dim", op.dim);
    boolean("positional", op.positional);
    break;
  case Kind::Linear:
    i64("out_features", op.outFeatures);
    boolean("bias", op.bias);
    break;
  case Kind::LayerNorm:
  case Kind::RMSNorm:
    state.addAttribute("eps", b.getF64FloatAttr(1e-5));
    break;
  case Kind::Attention:
    i64("heads", op.heads);
    i64("kv_heads", op.kvHeads);
    boolean("causal", op.causal);
    boolean("rope", op.rope);
    break;
  case Kind::Extern:
    state.addAttribute("callee", mlir::FlatSymbolRefAttr::get(&ctx, "f"));
    break;
  default:
    break;
  }
  state.addAttribute("param", b.getStringAttr("p"));
  mlir::Operation *created = b.create(state);
  mlir::FailureOr<OpCost> cost =
      mlir::cast<ModelOpInterface>(created).getCost(/*batch=*/1, floatBytes);
  if (mlir::failed(cost))
    std::abort();
  if (desc) {
    auto facts = mlir::cast<ModelOpInterface>(created);
    mlir::SmallVector<ParamSpec> params;
    facts.getParams(params);
    for (const ParamSpec &p : params)
      desc->paramTensors.push_back(p.elements);
    desc->savedFloats = facts.getSavedFloats(1);
    desc->wsavedFloats = facts.getWSavedFloats(1);
  }
  return *cost;
}

/// The OpDesc the cost model reads for `op`, its result value id `result`.
inline OpDesc describe(const TestOp &op, int floatBytes, int result = -1) {
  OpDesc d;
  d.operands = op.operands;
  d.inputs = op.inputs;
  d.output = op.output;
  d.result = result;
  d.cost = opCost(op, floatBytes, &d);
  return d;
}

} // namespace pipe::plan::test

#endif // PIPE_TEST_UNIT_PLAN_TESTOPS_H
