//===- ConstEval.cpp - Exact, overflow-checked constant arithmetic -------===//
#include "pipe/dsl/ConstEval.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/CheckedArithmetic.h"
#include <cmath>
#include <cstdlib>
#include <sstream>

using namespace pipe::dsl;
using ast::Expr;

std::string ConstValue::str() const {
  if (isInt)
    return std::to_string(i);
  // The shortest spelling that reads back as f, and always one that reads
  // as a float: `ranks = 2.0` is reported as 2.0, not as the integer 2.
  std::string text;
  for (int precision = 1; precision <= 17; ++precision) {
    std::ostringstream os;
    os.precision(precision);
    os << f;
    text = os.str();
    if (std::strtod(text.c_str(), nullptr) == f)
      break;
  }
  if (text.find_first_of(".eEn") == std::string::npos) // n: inf, nan
    text += ".0";
  return text;
}

namespace {
class Evaluator {
public:
  Evaluator(ConstLookup lookup, Locate locate)
      : lookup(lookup), locate(locate) {}

  std::optional<ConstValue> eval(const Expr &e) {
    switch (e.kind) {
    case Expr::Kind::Int:
      return ConstValue::ofInt(e.intValue);
    case Expr::Kind::Float:
      return ConstValue::ofFloat(e.floatValue);
    case Expr::Kind::Name:
      return evalName(e);
    case Expr::Kind::Neg: {
      auto v = eval(*e.operands[0]);
      if (!v)
        return std::nullopt;
      if (!v->isInt)
        return ConstValue::ofFloat(-v->f);
      if (v->i == INT64_MIN)
        return fail(e, "integer overflow in constant expression");
      return ConstValue::ofInt(-v->i);
    }
    case Expr::Kind::Binary:
      return evalBinary(e);
    case Expr::Kind::String:
      return fail(e, "expected a number, got the string \"" + e.text + "\"");
    case Expr::Kind::Bool:
      return fail(e, "expected a number, got '" + e.text + "'");
    case Expr::Kind::Word:
      return fail(e, "expected a number, got '" + e.text + "'");
    case Expr::Kind::Call:
      return fail(e, "expected a constant expression, got a call to '" +
                         e.text + "'");
    }
    return std::nullopt;
  }

private:
  std::optional<ConstValue> fail(const Expr &e, const llvm::Twine &msg) {
    mlir::emitError(locate(e.loc), msg);
    return std::nullopt;
  }

  std::optional<ConstValue> evalName(const Expr &e) {
    ConstLookupResult r = lookup(e.text);
    switch (r.kind) {
    case ConstLookupResult::Kind::Const:
      return r.value;
    case ConstLookupResult::Kind::NotConst:
      return fail(e, "'" + e.text + "' is " + r.what + ", not a constant");
    case ConstLookupResult::Kind::Unknown:
      break;
    }
    return fail(e, "unknown name '" + e.text + "'");
  }

  std::optional<ConstValue> evalBinary(const Expr &e) {
    auto lhs = eval(*e.operands[0]);
    if (!lhs)
      return std::nullopt;
    auto rhs = eval(*e.operands[1]);
    if (!rhs)
      return std::nullopt;
    if (lhs->isInt && rhs->isInt)
      return intOp(e, lhs->i, rhs->i);
    double a = lhs->asDouble(), b = rhs->asDouble(), r = 0;
    switch (e.op) {
    case '+':
      r = a + b;
      break;
    case '-':
      r = a - b;
      break;
    case '*':
      r = a * b;
      break;
    default:
      if (b == 0)
        return fail(e, "division by zero in constant expression");
      r = a / b;
    }
    if (!std::isfinite(r))
      return fail(e, "floating-point overflow in constant expression");
    return ConstValue::ofFloat(r);
  }

  std::optional<ConstValue> intOp(const Expr &e, int64_t a, int64_t b) {
    std::optional<int64_t> r;
    switch (e.op) {
    case '+':
      r = llvm::checkedAdd(a, b);
      break;
    case '-':
      r = llvm::checkedSub(a, b);
      break;
    case '*':
      r = llvm::checkedMul(a, b);
      break;
    default:
      if (b == 0)
        return fail(e, "division by zero in constant expression");
      if (a == INT64_MIN && b == -1)
        break;
      if (a % b != 0)
        return fail(e, "integer division " + std::to_string(a) + " / " +
                           std::to_string(b) + " is not exact");
      r = a / b;
    }
    if (!r)
      return fail(e, "integer overflow in constant expression");
    return ConstValue::ofInt(*r);
  }

  ConstLookup lookup;
  Locate locate;
};
} // namespace

std::optional<ConstValue>
pipe::dsl::evalConst(const ast::Expr &expr, ConstLookup lookup, Locate locate) {
  return Evaluator(lookup, locate).eval(expr);
}
