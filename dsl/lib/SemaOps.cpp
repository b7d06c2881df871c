//===- SemaOps.cpp - Built-in, extern and elementwise ops: args, shapes --===//
#include "Sema.h"
#include "llvm/ADT/StringSwitch.h"
#include <cmath>

using namespace pipe::dsl;
using namespace pipe::dsl::sema;
using ast::Expr;

namespace {
enum class ParamKind { Tensor, Int, Float, Bool };
struct ParamSpec {
  llvm::StringRef name;
  ParamKind kind;
};
/// A built-in op's signature; the first `required` parameters must be given.
struct OpSpec {
  size_t required;
  std::vector<ParamSpec> params;
};
} // namespace

std::optional<OpKind> sema::builtinOp(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<OpKind>>(name)
      .Case("embedding", OpKind::Embedding)
      .Case("linear", OpKind::Linear)
      .Case("layernorm", OpKind::LayerNorm)
      .Case("rmsnorm", OpKind::RMSNorm)
      .Case("gelu", OpKind::Gelu)
      .Case("relu", OpKind::Relu)
      .Case("silu", OpKind::Silu)
      .Case("attention", OpKind::Attention)
      .Case("cross_entropy", OpKind::CrossEntropy)
      .Case("mse", OpKind::Mse)
      .Default(std::nullopt);
}

static const OpSpec &specFor(OpKind kind) {
  using P = ParamKind;
  static const OpSpec embedding{3,
                                {{"ids", P::Tensor},
                                 {"vocab", P::Int},
                                 {"dim", P::Int},
                                 {"positional", P::Bool}}};
  static const OpSpec linear{
      2, {{"x", P::Tensor}, {"features", P::Int}, {"bias", P::Bool}}};
  static const OpSpec norm{1, {{"x", P::Tensor}, {"eps", P::Float}}};
  static const OpSpec unary{1, {{"x", P::Tensor}}};
  static const OpSpec attention{2,
                                {{"x", P::Tensor},
                                 {"heads", P::Int},
                                 {"kv_heads", P::Int},
                                 {"causal", P::Bool},
                                 {"rope", P::Bool}}};
  static const OpSpec crossEntropy{
      2, {{"logits", P::Tensor}, {"targets", P::Tensor}}};
  static const OpSpec mse{2, {{"pred", P::Tensor}, {"target", P::Tensor}}};
  switch (kind) {
  case OpKind::Embedding:
    return embedding;
  case OpKind::Linear:
    return linear;
  case OpKind::LayerNorm:
  case OpKind::RMSNorm:
    return norm;
  case OpKind::Attention:
    return attention;
  case OpKind::CrossEntropy:
    return crossEntropy;
  case OpKind::Mse:
    return mse;
  default:
    return unary;
  }
}

bool Analyzer::checkShape(const TensorType &t, ast::Loc loc,
                          llvm::StringRef what) {
  int64_t elements = 1;
  for (int64_t d : t.dims) {
    if (d == kBatchDim)
      continue;
    if (d > kMaxElements / elements)
      return error(loc, what + " " + str(t) + " is too large (more than " +
                            std::to_string(kMaxElements) +
                            " elements per sample)");
    elements *= d;
  }
  return true;
}

std::optional<int> Analyzer::evalBuiltin(const Expr &call, OpKind kind) {
  const OpSpec &spec = specFor(kind);
  llvm::SmallVector<llvm::StringRef, 6> names;
  for (const ParamSpec &p : spec.params)
    names.push_back(p.name);
  BoundArgs bound;
  if (!bindArgs(call, names, spec.required, bound))
    return std::nullopt;

  OpNode op;
  op.kind = kind;
  op.eps = kind == OpKind::RMSNorm ? 1e-6 : 1e-5;
  llvm::SmallVector<TensorType, 2> types;
  for (size_t i = 0; i < spec.params.size(); ++i) {
    if (spec.params[i].kind != ParamKind::Tensor)
      continue;
    auto v = evalTensor(*bound.args[i]);
    if (!v)
      return std::nullopt;
    op.operands.push_back(*v);
    types.push_back(program.model.values[*v]);
  }
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSpec &p = spec.params[i];
    const Expr *arg = bound.args[i];
    if (!arg || p.kind == ParamKind::Tensor)
      continue;
    std::string what = ("'" + p.name + "' of '" + call.text + "'").str();
    if (p.kind == ParamKind::Bool) {
      if (arg->kind != Expr::Kind::Bool) {
        error(arg->loc, what + " must be true or false");
        return std::nullopt;
      }
      bool b = arg->boolValue;
      (p.name == "bias"         ? op.bias
       : p.name == "positional" ? op.positional
       : p.name == "causal"     ? op.causal
                                : op.rope) = b;
    } else if (p.kind == ParamKind::Int) {
      auto v = evalInt(*arg, what, 1);
      if (!v)
        return std::nullopt;
      (p.name == "vocab"      ? op.vocab
       : p.name == "dim"      ? op.dim
       : p.name == "features" ? op.outFeatures
       : p.name == "heads"    ? op.heads
                              : op.kvHeads) = *v;
    } else {
      auto v = evalConstant(*arg);
      if (!v)
        return std::nullopt;
      if (!(v->asDouble() > 0)) {
        error(arg->loc, what + " must be positive, got " + v->str());
        return std::nullopt;
      }
      op.eps = v->asDouble();
    }
  }
  if (kind == OpKind::Attention && op.kvHeads == 0)
    op.kvHeads = op.heads;
  TensorType out;
  if (!inferType(op, types, call.loc, out) ||
      !checkShape(out, call.loc, "the result"))
    return std::nullopt;
  op.result = newValue(out);
  int result = op.result;
  if (!addOp(std::move(op), call.loc))
    return std::nullopt;
  return result;
}

/// Shape and dtype rules of language.md's op table.
bool Analyzer::inferType(OpNode &op, llvm::ArrayRef<TensorType> in,
                         ast::Loc loc, TensorType &out) {
  std::string opName = name(op.kind);
  auto needFloat = [&](const TensorType &t, llvm::StringRef role,
                       size_t minRank) {
    if (t.dtype != DType::F32)
      return error(loc, opName + " expects a float tensor as " + role +
                            ", got " + str(t));
    if (t.dims.size() < minRank)
      return error(loc, opName + " expects " + role + " with at least " +
                            std::to_string(minRank) + " dimension(s), got " +
                            str(t));
    if (minRank > 0 && t.dims.back() == kBatchDim)
      return error(loc,
                   opName + " needs a fixed last dimension, got " + str(t));
    return true;
  };
  auto paramCheck = [&](int64_t a, int64_t b, llvm::StringRef what) {
    if (b != 0 && a > kMaxElements / b)
      return error(loc, opName + ": the " + what + " (" + std::to_string(a) +
                            " x " + std::to_string(b) + ") is too large");
    return true;
  };
  out = in.empty() ? TensorType{} : in[0];
  switch (op.kind) {
  case OpKind::Embedding: {
    const TensorType &ids = in[0];
    if (ids.dtype != DType::I32 || ids.dims.empty())
      return error(loc, "embedding expects i32 ids with at least one "
                        "dimension, got " +
                            str(ids));
    if (op.positional && ids.dims.back() == kBatchDim)
      return error(loc, "a positional embedding needs a fixed sequence "
                        "dimension, got ids " +
                            str(ids));
    if (!paramCheck(op.vocab, op.dim, "table"))
      return false;
    out.dtype = DType::F32;
    out.dims.push_back(op.dim);
    return true;
  }
  case OpKind::Linear:
    if (!needFloat(in[0], "input", 1) ||
        !paramCheck(in[0].dims.back(), op.outFeatures, "weight"))
      return false;
    out.dims.back() = op.outFeatures;
    return true;
  case OpKind::LayerNorm:
  case OpKind::RMSNorm:
    return needFloat(in[0], "input", 1);
  case OpKind::Gelu:
  case OpKind::Relu:
  case OpKind::Silu:
    return needFloat(in[0], "input", 0);
  case OpKind::Attention: {
    const TensorType &x = in[0];
    if (!needFloat(x, "input", 3))
      return false;
    if (x.dims.size() != 3)
      return error(loc, "attention expects [B, S, D], got " + str(x));
    int64_t d = x.dims[2];
    if (d % op.heads != 0)
      return error(
          loc, "attention: the model dimension " + std::to_string(d) +
                   " is not divisible by heads = " + std::to_string(op.heads));
    if (op.heads % op.kvHeads != 0)
      return error(loc, "attention: heads = " + std::to_string(op.heads) +
                            " is not divisible by kv_heads = " +
                            std::to_string(op.kvHeads));
    if (op.rope && (d / op.heads) % 2 != 0)
      return error(loc, "attention: rope needs an even head dimension, got " +
                            std::to_string(d / op.heads));
    return paramCheck(d, d, "projection");
  }
  case OpKind::CrossEntropy: {
    const TensorType &logits = in[0], &targets = in[1];
    if (!needFloat(logits, "logits", 1))
      return false;
    TensorType expected{DType::I32, logits.dims};
    expected.dims.pop_back();
    if (targets != expected)
      return error(loc, "cross_entropy targets must be " + str(expected) +
                            " (the logits' shape " + str(logits) +
                            " without its last dimension), got " +
                            str(targets));
    out = TensorType{DType::F32, {}};
    return true;
  }
  case OpKind::Mse:
    if (!needFloat(in[0], "prediction", 0) || !needFloat(in[1], "target", 0))
      return false;
    if (in[0] != in[1])
      return error(loc, "mse operands have different shapes: " + str(in[0]) +
                            " and " + str(in[1]));
    out = TensorType{DType::F32, {}};
    return true;
  default:
    return error(loc, "internal: no shape rule for " + opName);
  }
}

/// `a + b`, `a * b`: identical float shapes.
std::optional<int> Analyzer::evalBinary(const Expr &e) {
  std::string op1(1, e.op);
  if (e.op != '+' && e.op != '*') {
    error(e.loc,
          "'" + op1 + "' is not defined on tensors (only '+' and '*' are)");
    return std::nullopt;
  }
  auto lhs = evalTensor(*e.operands[0]);
  if (!lhs)
    return std::nullopt;
  auto rhs = evalTensor(*e.operands[1]);
  if (!rhs)
    return std::nullopt;
  const TensorType &a = program.model.values[*lhs];
  const TensorType &b = program.model.values[*rhs];
  if (a.dtype != DType::F32 || b.dtype != DType::F32) {
    error(e.loc, "'" + op1 + "' needs float tensors, got " + str(a) + " and " +
                     str(b));
    return std::nullopt;
  }
  if (a != b) {
    error(e.loc, "operands of '" + op1 + "' have different shapes: " + str(a) +
                     " and " + str(b));
    return std::nullopt;
  }
  OpNode op;
  op.kind = e.op == '+' ? OpKind::Add : OpKind::Mul;
  op.operands = {*lhs, *rhs};
  TensorType out = a;
  op.result = newValue(out);
  int result = op.result;
  if (!addOp(std::move(op), e.loc))
    return std::nullopt;
  return result;
}

/// A call of an `extern op`: same-shaped float operands, same-shaped result.
std::optional<int> Analyzer::evalExtern(const Expr &call, const ExternOp &ext) {
  llvm::SmallVector<llvm::StringRef, 4> names(ext.params.begin(),
                                              ext.params.end());
  BoundArgs bound;
  if (!bindArgs(call, names, names.size(), bound))
    return std::nullopt;
  OpNode op;
  op.kind = OpKind::Extern;
  op.externName = ext.name;
  op.externFile = ext.file;
  for (const Expr *arg : bound.args) {
    auto v = evalTensor(*arg);
    if (!v)
      return std::nullopt;
    op.operands.push_back(*v);
  }
  const TensorType first = program.model.values[op.operands[0]];
  for (int id : op.operands) {
    const TensorType &t = program.model.values[id];
    if (t.dtype != DType::F32) {
      error(call.loc,
            "'" + ext.name + "' expects float tensors, got " + str(t));
      return std::nullopt;
    }
    if (t != first) {
      error(call.loc, "operands of '" + ext.name + "' have different shapes: " +
                          str(first) + " and " + str(t));
      return std::nullopt;
    }
  }
  op.result = newValue(first);
  int result = op.result;
  if (!addOp(std::move(op), call.loc))
    return std::nullopt;
  return result;
}
