//===- FlopCount.cpp - Count the arithmetic of an extern op's body --------===//
#include "FlopCount.h"
#include "pipe/Extern/ExternCheck.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Expr.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSet.h"

using namespace clang;

namespace pipe::ext {
namespace {

/// Base names (no `f` suffix, no `__` prefix) of the transcendental calls.
const llvm::StringSet<> &transcendentals() {
  static const llvm::StringSet<> names = {
      "exp",        "exp2",   "exp10",    "expm1",    "log",      "log2",
      "log10",      "log1p",  "pow",      "sqrt",     "rsqrt",    "cbrt",
      "rcbrt",      "sin",    "cos",      "tan",      "asin",     "acos",
      "atan",       "atan2",  "sinh",     "cosh",     "tanh",     "asinh",
      "acosh",      "atanh",  "erf",      "erfc",     "erfinv",   "erfcinv",
      "tgamma",     "lgamma", "sincos",   "sinpi",    "cospi",    "normcdf",
      "normcdfinv", "hypot",  "fsqrt_rn", "fsqrt_rz", "frsqrt_rn"};
  return names;
}

/// Base names of the calls that cost one operation.
const llvm::StringSet<> &simpleCalls() {
  static const llvm::StringSet<> names = {
      "fabs",     "fmin",    "fmax",      "floor",    "ceil",    "trunc",
      "round",    "rint",    "nearbyint", "copysign", "fdim",    "fmod",
      "fdividef", "frcp_rn", "fadd_rn",   "fmul_rn",  "fsub_rn", "fdiv_rn",
      "saturate", "abs",     "min",       "max"};
  return names;
}

/// `name` in `set` as written, without a leading `__`, or without a
/// trailing `f` (expf, __expf, std::exp all name exp).
bool named(const llvm::StringSet<> &set, StringRef name) {
  name.consume_front("__");
  if (set.contains(name))
    return true;
  return name.consume_back("f") && set.contains(name);
}

class FlopCounter : public RecursiveASTVisitor<FlopCounter> {
public:
  FlopCounter(llvm::SmallPtrSetImpl<const FunctionDecl *> &active)
      : active(active) {}

  int64_t count(const FunctionDecl *fn) {
    if (!fn->hasBody() || !active.insert(fn->getCanonicalDecl()).second)
      return 0;
    TraverseStmt(fn->getBody());
    active.erase(fn->getCanonicalDecl());
    return flops;
  }

  bool VisitBinaryOperator(BinaryOperator *op) {
    QualType type = op->getType();
    if (auto *compound = dyn_cast<CompoundAssignOperator>(op))
      type = compound->getComputationResultType();
    else if (op->isComparisonOp())
      type = op->getLHS()->getType();
    bool arithmetic =
        op->isAdditiveOp() || op->isMultiplicativeOp() ||
        op->isComparisonOp() ||
        (op->isCompoundAssignmentOp() && op->getOpcode() != BO_RemAssign &&
         !op->isShiftAssignOp() && !op->isBitwiseOp());
    if (arithmetic && op->getOpcode() != BO_Rem && type->isRealFloatingType())
      flops += 1;
    return true;
  }

  bool VisitUnaryOperator(UnaryOperator *op) {
    if ((op->getOpcode() == UO_Minus || op->isIncrementDecrementOp()) &&
        op->getType()->isRealFloatingType())
      flops += 1;
    return true;
  }

  bool VisitCallExpr(CallExpr *call) {
    const FunctionDecl *callee = call->getDirectCallee();
    if (!callee || !callee->getIdentifier())
      return true;
    StringRef name = callee->getName();
    if (named(transcendentals(), name)) {
      flops += kTranscendentalFlops;
    } else if (name == "fmaf" || name == "fma" || name == "__fmaf_rn") {
      flops += 2;
    } else if (named(simpleCalls(), name)) {
      flops += 1;
    } else if (const FunctionDecl *def = callee->getDefinition()) {
      const SourceManager &sm = def->getASTContext().getSourceManager();
      if (sm.isInMainFile(sm.getExpansionLoc(def->getLocation())))
        flops += FlopCounter(active).count(def);
    }
    return true;
  }

private:
  llvm::SmallPtrSetImpl<const FunctionDecl *> &active;
  int64_t flops = 0;
};

} // namespace

int64_t countFlops(const FunctionDecl *fn) {
  llvm::SmallPtrSet<const FunctionDecl *, 8> active;
  return FlopCounter(active).count(fn);
}

} // namespace pipe::ext
