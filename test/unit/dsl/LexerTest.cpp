//===- LexerTest.cpp - Every token kind, numbers, strings, lexer errors --===//
#include "pipe/dsl/Lexer.h"
#include "TestUtil.h" // before gtest: see the note on pipe(2)
#include <gtest/gtest.h>

using namespace pipe::dsl;
using pipe::dsl::test::Harness;

namespace {
std::vector<Token> lexAll(Harness &h) {
  Lexer lexer(h.sm, h.sm.getMainFileID(), &h.ctx);
  std::vector<Token> out;
  for (int i = 0; i < 1000; ++i) {
    out.push_back(lexer.lex());
    if (out.back().is(Token::eof) || out.back().is(Token::error))
      break;
  }
  return out;
}
std::vector<Token::Kind> kinds(const std::vector<Token> &toks) {
  std::vector<Token::Kind> k;
  for (const Token &t : toks)
    k.push_back(t.kind);
  return k;
}
} // namespace

TEST(Lexer, Punctuation) {
  Harness h("( ) [ ] { } , : = + - * / ;");
  using T = Token;
  std::vector<T::Kind> want = {T::l_paren, T::r_paren, T::l_square, T::r_square,
                               T::l_brace, T::r_brace, T::comma,    T::colon,
                               T::equal,   T::plus,    T::minus,    T::star,
                               T::slash,   T::newline, T::eof};
  EXPECT_EQ(kinds(lexAll(h)), want);
  EXPECT_TRUE(h.diags.empty());
}

TEST(Lexer, KeywordsAndIdentifiers) {
  Harness h("const block model return repeat pipeline train true false extern "
            "op from constx _a9 Block");
  using T = Token;
  std::vector<T::Kind> want = {
      T::kw_const,   T::kw_block,    T::kw_model,   T::kw_return,
      T::kw_repeat,  T::kw_pipeline, T::kw_train,   T::kw_true,
      T::kw_false,   T::kw_extern,   T::kw_op,      T::kw_from,
      T::identifier, T::identifier,  T::identifier, T::eof};
  auto toks = lexAll(h);
  EXPECT_EQ(kinds(toks), want);
  EXPECT_EQ(toks[12].spelling, "constx");
  EXPECT_EQ(toks[13].spelling, "_a9");
}

TEST(Lexer, Numbers) {
  Harness h("128 0.9 3e-4 1.5e2 2E+3 7e");
  auto toks = lexAll(h);
  ASSERT_EQ(toks.size(), 7u) << h.firstDiag();
  EXPECT_EQ(toks[0].kind, Token::integer);
  EXPECT_EQ(toks[0].intValue, 128);
  EXPECT_EQ(toks[1].kind, Token::floatlit);
  EXPECT_DOUBLE_EQ(toks[1].floatValue, 0.9);
  EXPECT_DOUBLE_EQ(toks[2].floatValue, 0.0003);
  EXPECT_DOUBLE_EQ(toks[3].floatValue, 150.0);
  EXPECT_DOUBLE_EQ(toks[4].floatValue, 2000.0);
  // `7e` has no exponent digits: digits running into letters form a word.
  EXPECT_EQ(toks[5].kind, Token::word);
}

TEST(Lexer, ScheduleWords) {
  Harness h("1f1b zb-h1");
  auto toks = lexAll(h);
  ASSERT_EQ(toks.size(), 5u);
  EXPECT_EQ(toks[0].kind, Token::word);
  EXPECT_EQ(toks[0].spelling, "1f1b");
  // zb-h1 is three adjacent tokens; the parser glues them for `schedule`.
  EXPECT_EQ(toks[1].kind, Token::identifier);
  EXPECT_EQ(toks[2].kind, Token::minus);
  EXPECT_EQ(toks[3].kind, Token::identifier);
}

TEST(Lexer, StringsAndEscapes) {
  Harness h(R"("corpus.txt" "a\"b\\c" "")");
  auto toks = lexAll(h);
  ASSERT_EQ(toks.size(), 4u) << h.firstDiag();
  EXPECT_EQ(toks[0].stringValue, "corpus.txt");
  EXPECT_EQ(toks[1].stringValue, "a\"b\\c");
  EXPECT_EQ(toks[2].stringValue, "");
}

TEST(Lexer, NewlinesCommentsAndNesting) {
  // Newlines end statements except inside ( ) and [ ]; comments run to EOL.
  Harness h("a # comment ( [\n(b,\n c)\n[1,\n2]\n");
  using T = Token;
  std::vector<T::Kind> want = {
      T::identifier, T::newline, T::l_paren,  T::identifier, T::comma,
      T::identifier, T::r_paren, T::newline,  T::l_square,   T::integer,
      T::comma,      T::integer, T::r_square, T::newline,    T::eof};
  auto toks = lexAll(h);
  EXPECT_EQ(kinds(toks), want);
  // Line/column: `c` is on line 3, column 2.
  EXPECT_EQ(toks[5].loc.line, 3u);
  EXPECT_EQ(toks[5].loc.col, 2u);
}

TEST(Lexer, ErrorBadCharacter) {
  Harness h("x = $");
  auto toks = lexAll(h);
  EXPECT_EQ(toks.back().kind, Token::error);
  ASSERT_EQ(h.diags.size(), 1u);
  EXPECT_EQ(h.diags[0], "1:5: unexpected character '$'");
}

TEST(Lexer, ErrorUnterminatedString) {
  Harness h("\n  \"abc\nx");
  lexAll(h);
  ASSERT_EQ(h.diags.size(), 1u);
  EXPECT_EQ(h.diags[0], "2:3: unterminated string");
}

TEST(Lexer, ErrorBadEscape) {
  Harness h(R"("a\n")");
  lexAll(h);
  ASSERT_EQ(h.diags.size(), 1u);
  EXPECT_EQ(h.diags[0].rfind("1:3: unknown escape", 0), 0u) << h.diags[0];
}

TEST(Lexer, ErrorIntegerTooLarge) {
  // 2^63 = 9223372036854775808 does not fit in int64; 2^63 - 1 does.
  Harness ok("9223372036854775807");
  EXPECT_EQ(lexAll(ok)[0].intValue, INT64_MAX);
  Harness h("9223372036854775808");
  lexAll(h);
  ASSERT_EQ(h.diags.size(), 1u);
  EXPECT_EQ(h.diags[0],
            "1:1: integer literal '9223372036854775808' is too large");
}

TEST(Lexer, ErrorFloatOutOfRange) {
  Harness h("1e999");
  lexAll(h);
  ASSERT_EQ(h.diags.size(), 1u);
  EXPECT_EQ(h.diags[0], "1:1: number '1e999' is out of range");
}

TEST(Lexer, ErrorNonAsciiByte) {
  Harness h(llvm::StringRef("a \xff", 3));
  lexAll(h);
  ASSERT_EQ(h.diags.size(), 1u);
  EXPECT_EQ(h.diags[0], "1:3: unexpected byte 0xFF");
}
