//===- SemaOps.cpp - Built-in, extern and elementwise ops: args, shapes --===//
//
// Decision: the front end does not restate shape rules. Each op's rule lives
// with its pipe dialect op (ModelOpInterface::inferResultType, a static
// method), and sema calls it through the registered op name before any IR
// exists, with the `.pipe` spelling of types and errors at the call. What
// stays here is the language surface only: each built-in's call signature
// (argument names, which are required, defaults from language.md, and the
// attribute each argument becomes), in one table.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

#include "pipe/Dialect/PipeOps.h"

#include "mlir/IR/OperationSupport.h"
#include <cmath>

using namespace pipe::dsl;
using namespace pipe::dsl::sema;
using ast::Expr;
using pipe::ModelOpInterface;
using pipe::ShapeRule;

namespace pipe::dsl::sema {
/// Tied: a name bound to an embedding's result (linear's `tied`).
enum class ArgKind { Tensor, Int, Float, Bool, Tied };
/// One argument of a built-in: its name in calls, the dialect attribute it
/// becomes (none for tensors) and its default when it may be omitted.
struct ArgSpec {
  llvm::StringRef name;
  ArgKind kind;
  llvm::StringRef attr = {};
  double defaultValue = 0; ///< Int / Float / Bool (0 or 1)
};
/// A built-in's call signature; the first `required` arguments must be given.
struct OpSignature {
  llvm::StringRef name; ///< as called, and the dialect op's mnemonic
  size_t required;
  std::vector<ArgSpec> args;
};
} // namespace pipe::dsl::sema

/// language.md's built-in ops table, as calls see it.
static const std::vector<OpSignature> &signatures() {
  using K = ArgKind;
  static const std::vector<OpSignature> table = {
      {"embedding",
       3,
       {{"ids", K::Tensor},
        {"vocab", K::Int, "vocab"},
        {"dim", K::Int, "dim"},
        {"positional", K::Bool, "positional", 0}}},
      {"linear",
       2,
       {{"x", K::Tensor},
        {"features", K::Int, "out_features"},
        {"bias", K::Bool, "bias", 1},
        {"tied", K::Tied, "tied"}}},
      {"layernorm", 1, {{"x", K::Tensor}, {"eps", K::Float, "eps", 1e-5}}},
      {"rmsnorm", 1, {{"x", K::Tensor}, {"eps", K::Float, "eps", 1e-6}}},
      {"gelu", 1, {{"x", K::Tensor}}},
      {"relu", 1, {{"x", K::Tensor}}},
      {"silu", 1, {{"x", K::Tensor}}},
      {"swiglu", 2, {{"a", K::Tensor}, {"b", K::Tensor}}},
      // kv_heads defaults to heads (0 stands for "same as heads").
      {"attention",
       2,
       {{"x", K::Tensor},
        {"heads", K::Int, "heads"},
        {"kv_heads", K::Int, "kv_heads", 0},
        {"causal", K::Bool, "causal", 1},
        {"rope", K::Bool, "rope", 0},
        {"bias", K::Bool, "bias", 0}}},
      {"cross_entropy", 2, {{"logits", K::Tensor}, {"targets", K::Tensor}}},
      {"mse", 2, {{"pred", K::Tensor}, {"target", K::Tensor}}},
  };
  return table;
}

const OpSignature *sema::builtinOp(llvm::StringRef name) {
  for (const OpSignature &sig : signatures())
    if (sig.name == name)
      return &sig;
  return nullptr;
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

std::optional<int> Analyzer::evalBuiltin(const Expr &call,
                                         const OpSignature &sig) {
  llvm::SmallVector<llvm::StringRef, 6> names;
  for (const ArgSpec &a : sig.args)
    names.push_back(a.name);
  BoundArgs bound;
  if (!bindArgs(call, names, sig.required, bound))
    return std::nullopt;

  OpNode op;
  op.op = op.name = sig.name.str();
  for (size_t i = 0; i < sig.args.size(); ++i) {
    if (sig.args[i].kind != ArgKind::Tensor)
      continue;
    auto v = evalTensor(*bound.args[i]);
    if (!v)
      return std::nullopt;
    op.operands.push_back(*v);
  }
  mlir::Builder b(ctx);
  mlir::NamedAttrList attrs;
  for (size_t i = 0; i < sig.args.size(); ++i) {
    const ArgSpec &a = sig.args[i];
    const Expr *arg = bound.args[i];
    if (a.kind == ArgKind::Tensor)
      continue;
    std::string what = ("'" + a.name + "' of '" + call.text + "'").str();
    if (a.kind == ArgKind::Tied) {
      if (arg && !tieTo(*arg, what, op, attrs))
        return std::nullopt;
      continue;
    }
    if (a.kind == ArgKind::Bool) {
      if (arg && arg->kind != Expr::Kind::Bool) {
        error(arg->loc, what + " must be true or false");
        return std::nullopt;
      }
      attrs.set(a.attr,
                b.getBoolAttr(arg ? arg->boolValue : a.defaultValue != 0));
    } else if (a.kind == ArgKind::Int) {
      int64_t value = int64_t(a.defaultValue);
      if (arg) {
        auto v = evalInt(*arg, what, 1);
        if (!v)
          return std::nullopt;
        value = *v;
      }
      attrs.set(a.attr, b.getI64IntegerAttr(value));
    } else {
      double value = a.defaultValue;
      if (arg) {
        auto v = evalConstant(*arg);
        if (!v)
          return std::nullopt;
        if (!(v->asDouble() > 0)) {
          error(arg->loc, what + " must be positive, got " + v->str());
          return std::nullopt;
        }
        value = v->asDouble();
      }
      attrs.set(a.attr, b.getF64FloatAttr(value));
    }
  }
  if (auto kv = attrs.get("kv_heads");
      kv && llvm::cast<mlir::IntegerAttr>(kv).getInt() == 0)
    attrs.set("kv_heads", attrs.get("heads"));
  // attention's bias is optional in the IR: absent means false.
  if (sig.name == "attention" &&
      !llvm::cast<mlir::BoolAttr>(attrs.get("bias")).getValue())
    attrs.erase("bias");
  op.attrs = attrs.getDictionary(ctx);
  const Expr *tied = nullptr;
  for (size_t i = 0; i < sig.args.size(); ++i)
    if (sig.args[i].kind == ArgKind::Tied)
      tied = bound.args[i];
  if (tied && !checkTie(*tied, op))
    return std::nullopt;
  std::optional<int> result = addChecked(std::move(op), call.loc);
  if (result && sig.name == "embedding")
    embeddings[*result] = program.model.cells[cellIndex].ops.back();
  return result;
}

/// `tied: E`: E must name a value bound to an embedding's result; the layer
/// reads that embedding's table (its `param`).
bool Analyzer::tieTo(const Expr &arg, llvm::StringRef what, const OpNode &,
                     mlir::NamedAttrList &attrs) {
  std::string want = what.str() +
                     " must name a value bound to the result of an "
                     "embedding call";
  if (arg.kind != Expr::Kind::Name)
    return error(arg.loc, want);
  auto it = env->find(arg.text);
  if (it == env->end() || !it->second.isTensor)
    return error(arg.loc, want + ", got '" + arg.text + "'");
  auto table = embeddings.find(it->second.value);
  if (table == embeddings.end())
    return error(arg.loc, want + "; '" + arg.text + "' is not one");
  attrs.set("tied", mlir::StringAttr::get(ctx, table->second.paramPrefix));
  return true;
}

/// A tied layer has no bias and multiplies by the table's transpose, so its
/// features are the vocab and its input's last dimension the table's dim.
bool Analyzer::checkTie(const Expr &arg, const OpNode &op) {
  auto it = env->find(arg.text);
  const OpNode &table = embeddings.find(it->second.value)->second;
  if (op.getBool("bias"))
    return error(arg.loc, "a linear tied to '" + arg.text +
                              "' has no bias of its own: write bias: false");
  int64_t vocab = table.getInt("vocab"), dim = table.getInt("dim");
  int64_t features = op.getInt("out_features");
  if (features != vocab)
    return error(arg.loc, "a linear tied to '" + arg.text + "' must have " +
                              std::to_string(vocab) +
                              " features (the embedding's vocab), got " +
                              std::to_string(features));
  const TensorType &x = program.model.values[op.operands[0]];
  int64_t k = x.dims.empty() ? 0 : x.dims.back();
  if (k != dim)
    return error(arg.loc, "a linear tied to '" + arg.text +
                              "' needs inputs of last dimension " +
                              std::to_string(dim) +
                              " (the embedding's dim), got " + str(x));
  return true;
}

bool Analyzer::inferType(OpNode &op, ast::Loc loc, TensorType &out) {
  std::optional<mlir::RegisteredOperationName> name =
      mlir::RegisteredOperationName::lookup("pipe." + op.op, ctx);
  auto *facts = name ? name->getInterface<ModelOpInterface>() : nullptr;
  if (!facts)
    return error(loc, "internal: no shape rule for " + op.name);
  llvm::SmallVector<mlir::Type, 4> operands;
  for (int id : op.operands)
    operands.push_back(toMLIRType(ctx, program.model.values[id]));
  mlir::DictionaryAttr attrs = op.attrs;
  std::string message;
  ShapeRule rule(
      ctx, operands,
      [&](llvm::StringRef attr) {
        return attrs ? attrs.get(attr) : mlir::Attribute();
      },
      ShapeRule::Spelling::Source, op.name,
      [](mlir::Type t) {
        std::optional<TensorType> dsl = fromMLIRType(t);
        return dsl ? str(*dsl) : std::string("?");
      },
      [&](const std::string &m) { message = m; });
  mlir::FailureOr<mlir::Type> result = facts->inferResultType(rule);
  if (mlir::failed(result))
    return error(loc, message);
  std::optional<TensorType> t = fromMLIRType(*result);
  if (!t)
    return error(loc, "internal: " + op.name +
                          " infers a type the language "
                          "cannot spell");
  out = *t;
  return true;
}

std::optional<int> Analyzer::addChecked(OpNode op, ast::Loc loc) {
  TensorType out;
  if (!inferType(op, loc, out) || !checkShape(out, loc, "the result"))
    return std::nullopt;
  op.result = newValue(out);
  int result = op.result;
  if (!addOp(std::move(op), loc))
    return std::nullopt;
  return result;
}

/// `a + b`, `a * b`: the dialect's add and mul, named by their operator.
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
  OpNode op;
  op.op = e.op == '+' ? "add" : "mul";
  op.name = op1;
  op.operands = {*lhs, *rhs};
  std::optional<int> result = addChecked(std::move(op), e.loc);
  return result;
}

/// A call of an `extern op`: the dialect's extern_call of `@NAME`.
std::optional<int> Analyzer::evalExtern(const Expr &call, const ExternOp &ext) {
  llvm::SmallVector<llvm::StringRef, 4> names(ext.params.begin(),
                                              ext.params.end());
  BoundArgs bound;
  if (!bindArgs(call, names, names.size(), bound))
    return std::nullopt;
  OpNode op;
  op.op = "extern_call";
  op.name = ext.name;
  for (const Expr *arg : bound.args) {
    auto v = evalTensor(*arg);
    if (!v)
      return std::nullopt;
    op.operands.push_back(*v);
  }
  mlir::NamedAttrList attrs;
  attrs.set("callee", mlir::FlatSymbolRefAttr::get(ctx, ext.name));
  op.attrs = attrs.getDictionary(ctx);
  return addChecked(std::move(op), call.loc);
}
