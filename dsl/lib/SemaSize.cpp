//===- SemaSize.cpp - Sizes of blocks and repeats, counted beforehand ----===//
//
// Blocks that call a smaller block twice double with every level: forty such
// levels are 2^40 ops, and inlining them one by one until the op limit trips
// took 20 s. Instead each call first counts a lower bound on the ops its
// block expands to (memoised per block, so counting is linear in the
// program) and the call fails at once when that bound alone is over the
// limit. Repeats likewise bound their statements and ops before unrolling,
// nested literal repeats multiplied.
//
//===----------------------------------------------------------------------===//
#include "Sema.h"

using namespace pipe::dsl;
using namespace pipe::dsl::sema;
using ast::Expr;
using ast::Stmt;

namespace {
/// Saturates at kMaxOps + 1: all that matters is whether the limit is passed.
int64_t add(int64_t a, int64_t b) { return std::min(a + b, kMaxOps + 1); }
int64_t mul(int64_t a, int64_t b) {
  return a == 0 || b == 0 ? 0 : b > (kMaxOps + 1) / a ? kMaxOps + 1 : a * b;
}
} // namespace

int64_t Analyzer::minOps(const Expr &e) {
  int64_t n = 0;
  for (const ast::ExprPtr &operand : e.operands)
    n = add(n, minOps(*operand));
  for (const ast::NamedArg &arg : e.named)
    n = add(n, minOps(*arg.value));
  if (e.kind != Expr::Kind::Call)
    return n; // + and * on constants make no op: count none
  if (builtinOp(e.text) || externs.count(e.text))
    return add(n, 1);
  auto b = blocks.find(e.text);
  return b == blocks.end() ? n : add(n, minOps(*b->second.decl));
}

int64_t Analyzer::minOps(llvm::ArrayRef<Stmt> body) {
  int64_t n = 0;
  for (const Stmt &s : body) {
    int64_t inner = s.kind == Stmt::Kind::Repeat ? minOps(s.body)
                    : s.value                    ? minOps(*s.value)
                                                 : 0;
    // A literal repeat count multiplies; any other counts at least once
    // (zero repeats are an error).
    if (s.kind == Stmt::Kind::Repeat && s.value &&
        s.value->kind == Expr::Kind::Int && s.value->intValue > 0)
      inner = mul(inner, s.value->intValue);
    n = add(n, inner);
  }
  return n;
}

int64_t Analyzer::minStatements(llvm::ArrayRef<Stmt> body) {
  auto addS = [](int64_t a, int64_t b) {
    return std::min(a + b, kMaxStatements + 1);
  };
  int64_t n = 0;
  for (const Stmt &s : body) {
    n = addS(n, 1);
    if (s.kind != Stmt::Kind::Repeat)
      continue;
    // Each copy counts itself and its body; a non-literal count, at least 1.
    int64_t copy = addS(1, minStatements(s.body));
    int64_t count =
        s.value && s.value->kind == Expr::Kind::Int && s.value->intValue > 0
            ? s.value->intValue
            : 1;
    n = addS(n, count > (kMaxStatements + 1) / copy ? kMaxStatements + 1
                                                    : count * copy);
  }
  return n;
}

int64_t Analyzer::minOps(const ast::BlockDecl &block) {
  auto [it, inserted] = minOpsOfBlock.try_emplace(&block, 0);
  if (!inserted)
    return it->second; // known, or being counted (a cycle counts nothing)
  int64_t n = minOps(block.body);
  minOpsOfBlock[&block] = n;
  return n;
}
