//===- ConstEvalTest.cpp - Precedence, exact division, overflow ----------===//
#include "pipe/dsl/ConstEval.h"
#include "TestUtil.h" // before gtest: see the note on pipe(2)
#include "pipe/dsl/AST.h"
#include <gtest/gtest.h>

using namespace pipe::dsl;
using pipe::dsl::test::Harness;

namespace {
/// Evaluates `text` as the value of a const, with `n = 256` and `f = 0.5`
/// in scope.
struct Eval {
  Harness h;
  std::optional<ConstValue> value;
  explicit Eval(const std::string &text) : h("const x = " + text + "\n") {
    auto file = parseFile(h.sm, &h.ctx);
    if (!file)
      return;
    auto *c = llvm::cast<ast::ConstDecl>(file->decls[0].get());
    auto lookup = [](llvm::StringRef name) {
      ConstLookupResult r;
      if (name == "n")
        r = {ConstLookupResult::Kind::Const, ConstValue::ofInt(256), ""};
      else if (name == "f")
        r = {ConstLookupResult::Kind::Const, ConstValue::ofFloat(0.5), ""};
      else if (name == "x")
        r = {ConstLookupResult::Kind::NotConst, {}, "a tensor"};
      return r;
    };
    auto locate = [this](ast::Loc l) -> mlir::Location {
      return mlir::FileLineColLoc::get(&h.ctx, l.file, l.line, l.col);
    };
    value = evalConst(*c->value, lookup, locate);
  }
};

int64_t evalInt(const std::string &text) {
  Eval e(text);
  EXPECT_TRUE(e.value && e.value->isInt) << text << ": " << e.h.firstDiag();
  return e.value ? e.value->i : -12345;
}
} // namespace

TEST(ConstEval, Precedence) {
  EXPECT_EQ(evalInt("2 + 3 * 4"), 14);      // * binds tighter
  EXPECT_EQ(evalInt("(2 + 3) * 4"), 20);    // parens
  EXPECT_EQ(evalInt("10 - 4 - 3"), 3);      // left associative: (10-4)-3
  EXPECT_EQ(evalInt("100 / 10 / 5"), 2);    // (100/10)/5
  EXPECT_EQ(evalInt("-3 * -2"), 6);         // unary minus
  EXPECT_EQ(evalInt("4 * n / 8 + 1"), 129); // 4*256/8 + 1
}

TEST(ConstEval, FloatsMixWithInts) {
  Eval e("n * f + 1.5e2");
  ASSERT_TRUE(e.value);
  EXPECT_FALSE(e.value->isInt);
  EXPECT_DOUBLE_EQ(e.value->f, 128.0 + 150.0);
  Eval d("1 / 4.0");
  ASSERT_TRUE(d.value);
  EXPECT_DOUBLE_EQ(d.value->f, 0.25); // float division need not be exact
}

TEST(ConstEval, ExactIntegerDivision) {
  EXPECT_EQ(evalInt("n / 4"), 64);
  Eval e("n / 3"); // 256 = 3 * 85 + 1
  EXPECT_FALSE(e.value);
  ASSERT_EQ(e.h.diags.size(), 1u);
  EXPECT_EQ(e.h.diags[0], "1:13: integer division 256 / 3 is not exact");
}

TEST(ConstEval, DivisionByZero) {
  Eval e("n / (2 - 2)");
  EXPECT_FALSE(e.value);
  EXPECT_EQ(e.h.firstDiag(), "1:13: division by zero in constant expression");
  Eval f("f / 0");
  EXPECT_FALSE(f.value);
}

TEST(ConstEval, Overflow) {
  EXPECT_EQ(evalInt("9223372036854775807 - 1 + 1"), INT64_MAX);
  for (const char *text :
       {"9223372036854775807 + 1", "-9223372036854775807 - 2",
        "4294967296 * 4294967296", "-(-9223372036854775807 - 1)",
        "(-9223372036854775807 - 1) / -1"}) {
    Eval e(text);
    EXPECT_FALSE(e.value) << text;
    EXPECT_NE(e.h.firstDiag().find("overflow"), std::string::npos)
        << text << ": " << e.h.firstDiag();
  }
  Eval f("1e300 * 1e300");
  EXPECT_FALSE(f.value);
  EXPECT_NE(f.h.firstDiag().find("overflow"), std::string::npos);
}

TEST(ConstEval, Names) {
  Eval unknown("n + m");
  EXPECT_FALSE(unknown.value);
  EXPECT_EQ(unknown.h.firstDiag(), "1:15: unknown name 'm'");
  Eval tensor("x * 2");
  EXPECT_FALSE(tensor.value);
  EXPECT_EQ(tensor.h.firstDiag(), "1:11: 'x' is a tensor, not a constant");
  Eval call("f(2)");
  EXPECT_FALSE(call.value);
}
