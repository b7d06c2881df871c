//===- ConstEval.h - Evaluates constant expressions exactly -------------===//
#ifndef PIPE_DSL_CONSTEVAL_H
#define PIPE_DSL_CONSTEVAL_H

#include "mlir/IR/Location.h"
#include "pipe/dsl/AST.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include <cstdint>
#include <optional>
#include <string>

namespace pipe::dsl {

/// An integer or float constant (language.md: `const`).
struct ConstValue {
  bool isInt = true;
  int64_t i = 0;
  double f = 0;
  static ConstValue ofInt(int64_t v) { return {true, v, 0}; }
  static ConstValue ofFloat(double v) { return {false, 0, v}; }
  double asDouble() const { return isInt ? static_cast<double>(i) : f; }
  std::string str() const;
};

/// What a name means where a constant is expected.
struct ConstLookupResult {
  enum class Kind { Unknown, Const, NotConst } kind = Kind::Unknown;
  ConstValue value;
  std::string what; ///< for NotConst: "a tensor", "a block", ...
};
using ConstLookup = llvm::function_ref<ConstLookupResult(llvm::StringRef)>;
/// Maps an AST location to the location diagnostics use (adds call sites).
using Locate = llvm::function_ref<mlir::Location(ast::Loc)>;

/// Evaluates `+ - * /`, unary minus and parentheses over int and float
/// literals and constants. Integer arithmetic is checked for overflow and
/// integer `/` must divide exactly; an int mixed with a float gives a float.
/// Errors go to the diagnostic engine of the locations' context.
std::optional<ConstValue> evalConst(const ast::Expr &expr, ConstLookup lookup,
                                    Locate locate);

} // namespace pipe::dsl

#endif // PIPE_DSL_CONSTEVAL_H
