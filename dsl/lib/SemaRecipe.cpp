//===- SemaRecipe.cpp - train keys lr_schedule, clip_grad and eval -------===//
//
// The training recipe around the optimizer: the learning-rate schedule, the
// gradient-norm limit and held-out evaluation. Each error points at the key,
// argument or value at fault.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"
#include "llvm/ADT/StringMap.h"

using namespace pipe::dsl;
using namespace pipe::dsl::sema;
using ast::Expr;

bool Analyzer::applyRecipeKey(const ast::KeyValue &kv) {
  Train &tr = program.train;
  const Expr &v = *kv.value;
  llvm::StringRef key = kv.key;
  if (key == "lr_schedule")
    return applyLrSchedule(v);
  if (key == "clip_grad") {
    auto c = evalConstant(v);
    if (!c)
      return false;
    if (!(c->asDouble() >= 0))
      return error(v.loc, "'clip_grad' must be at least 0 (0 is off), got " +
                              c->str());
    tr.clipGrad = c->asDouble();
    return true;
  }
  if (key == "eval") {
    if (v.kind != Expr::Kind::Call || (v.text != "bytes" && v.text != "tokens"))
      return error(v.loc,
                   "expected eval data: bytes(\"FILE\") or tokens(\"FILE\")");
    if (v.operands.size() != 1 || !v.named.empty() ||
        v.operands[0]->kind != Expr::Kind::String)
      return error(v.loc, v.text + "(...) takes one file name in quotes");
    tr.eval = v.text == "bytes" ? DataKind::Bytes : DataKind::Tokens;
    tr.evalFile = resolvePath(v.operands[0]->text);
    return checkData(kv);
  }
  // eval_every, eval_batches
  if (tr.eval == DataKind::Synthetic)
    return error(kv.loc, "'" + key +
                             "' needs held-out data: set 'eval' to "
                             "bytes(\"FILE\") or tokens(\"FILE\")");
  auto n = evalInt(v, "'" + key.str() + "'", 1);
  if (!n)
    return false;
  (key == "eval_every" ? tr.evalEvery : tr.evalBatches) = *n;
  return true;
}

/// constant | cosine(warmup: W, min_lr: L) | linear(warmup: W); W and L
/// default to 0.
bool Analyzer::applyLrSchedule(const Expr &v) {
  Train &tr = program.train;
  if (v.kind == Expr::Kind::Name || v.kind == Expr::Kind::Word) {
    if (v.text != "constant")
      return error(v.loc, "unknown lr_schedule '" + v.text +
                              "'; expected constant, cosine(warmup: W, "
                              "min_lr: L) or linear(warmup: W)");
    tr.lrSchedule = LrScheduleKind::Constant;
    return true;
  }
  std::optional<LrScheduleKind> kind = v.kind == Expr::Kind::Call
                                           ? symbolizeLrScheduleKind(v.text)
                                           : std::nullopt;
  if (!kind || *kind == LrScheduleKind::Constant)
    return error(v.loc, "expected an lr_schedule: constant, cosine(warmup: W, "
                        "min_lr: L) or linear(warmup: W)");
  if (!v.operands.empty())
    return error(v.operands[0]->loc, v.text + "(...) takes named arguments, "
                                              "e.g. warmup: 100");
  bool cosine = *kind == LrScheduleKind::Cosine;
  llvm::StringMap<bool> seen;
  tr.warmup = 0;
  tr.minLr = 0;
  for (const ast::NamedArg &arg : v.named) {
    if (arg.name != "warmup" && !(cosine && arg.name == "min_lr"))
      return error(arg.loc,
                   "'" + v.text + "' has no argument named '" + arg.name + "'");
    if (!seen.try_emplace(arg.name, true).second)
      return error(arg.loc, "argument '" + arg.name + "' of '" + v.text +
                                "' is given twice");
    if (arg.name == "warmup") {
      auto w = evalInt(*arg.value, "'warmup'", 0);
      if (!w)
        return false;
      if (*w >= tr.steps)
        return error(arg.value->loc, "'warmup' must be less than steps (" +
                                         std::to_string(tr.steps) + "), got " +
                                         std::to_string(*w));
      tr.warmup = *w;
      continue;
    }
    auto c = evalConstant(*arg.value);
    if (!c)
      return false;
    if (!(c->asDouble() >= 0 && c->asDouble() <= tr.lr))
      return error(arg.value->loc, "'min_lr' must be in [0, lr] (lr is " +
                                       ConstValue::ofFloat(tr.lr).str() +
                                       "), got " + c->str());
    tr.minLr = c->asDouble();
  }
  tr.lrSchedule = *kind;
  return true;
}
