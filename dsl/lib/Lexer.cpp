//===- Lexer.cpp - Turns .pipe text into tokens with line:col -----------===//
#include "pipe/dsl/Lexer.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include <cmath>
#include <cstdlib>

using namespace pipe::dsl;

bool Token::isKeyword() const {
  switch (kind) {
#define TOK_KEYWORD(SPELLING)                                                  \
  case kw_##SPELLING:                                                          \
    return true;
#include "pipe/dsl/TokenKinds.def"
  default:
    return false;
  }
}

llvm::StringRef pipe::dsl::describe(Token::Kind kind) {
  switch (kind) {
  case Token::eof:
    return "end of file";
  case Token::error:
    return "invalid token";
  case Token::newline:
    return "end of line";
  case Token::identifier:
    return "identifier";
  case Token::integer:
    return "integer";
  case Token::floatlit:
    return "number";
  case Token::string:
    return "string";
  case Token::word:
    return "word";
#define TOK_PUNCT(NAME, SPELLING)                                              \
  case Token::NAME:                                                            \
    return "'" SPELLING "'";
#define TOK_KEYWORD(SPELLING)                                                  \
  case Token::kw_##SPELLING:                                                   \
    return "'" #SPELLING "'";
#include "pipe/dsl/TokenKinds.def"
  }
  return "token";
}

Lexer::Lexer(llvm::SourceMgr &sm, unsigned bufferId, mlir::MLIRContext *ctx)
    : ctx(ctx) {
  const llvm::MemoryBuffer *buf = sm.getMemoryBuffer(bufferId);
  name = buf->getBufferIdentifier();
  bufStart = cur = lineStart = buf->getBufferStart();
  bufEnd = buf->getBufferEnd();
}

ast::Loc Lexer::locOf(const char *p) const {
  return {name, line, static_cast<unsigned>(p - lineStart) + 1};
}

mlir::Location Lexer::location(ast::Loc loc) const {
  return mlir::FileLineColLoc::get(ctx, loc.file, loc.line, loc.col);
}

Token Lexer::make(Token::Kind kind, const char *start) {
  Token t;
  t.kind = kind;
  t.spelling = llvm::StringRef(start, cur - start);
  t.loc = locOf(start);
  return t;
}

Token Lexer::error(const char *at, const llvm::Twine &message) {
  mlir::emitError(location(locOf(at)), message);
  Token t = make(Token::error, at);
  cur = bufEnd; // stop lexing: the parser stops at the first error anyway
  return t;
}

static bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool isDigit(char c) { return c >= '0' && c <= '9'; }
static bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

Token Lexer::lex() {
  while (true) {
    if (cur >= bufEnd)
      return make(Token::eof, cur);
    const char *start = cur;
    char c = *cur++;
    switch (c) {
    case ' ':
    case '\t':
    case '\r':
      continue;
    case '#':
      while (cur < bufEnd && *cur != '\n')
        ++cur;
      continue;
    case '\n': {
      Token t = make(Token::newline, start);
      ++line;
      lineStart = cur;
      if (nesting > 0)
        continue;
      return t;
    }
    case ';':
      return make(Token::newline, start);
    case '(':
    case '[':
      ++nesting;
      return make(c == '(' ? Token::l_paren : Token::l_square, start);
    case ')':
    case ']':
      if (nesting > 0)
        --nesting;
      return make(c == ')' ? Token::r_paren : Token::r_square, start);
    case '{':
      return make(Token::l_brace, start);
    case '}':
      return make(Token::r_brace, start);
    case ',':
      return make(Token::comma, start);
    case ':':
      return make(Token::colon, start);
    case '=':
      return make(Token::equal, start);
    case '+':
      return make(Token::plus, start);
    case '-':
      return make(Token::minus, start);
    case '*':
      return make(Token::star, start);
    case '/':
      return make(Token::slash, start);
    case '"':
      return lexString(start);
    default:
      if (isDigit(c))
        return lexNumber(start);
      if (isIdentStart(c))
        return lexIdentifier(start);
      if (c >= 0x21 && c < 0x7f)
        return error(start, llvm::Twine("unexpected character '") +
                                llvm::Twine(c) + "'");
      return error(start, llvm::formatv("unexpected byte 0x{0:X-2}",
                                        static_cast<unsigned char>(c)));
    }
  }
}

Token Lexer::lexIdentifier(const char *start) {
  while (cur < bufEnd && isIdentChar(*cur))
    ++cur;
  llvm::StringRef text(start, cur - start);
  Token::Kind kind = llvm::StringSwitch<Token::Kind>(text)
#define TOK_KEYWORD(SPELLING) .Case(#SPELLING, Token::kw_##SPELLING)
#include "pipe/dsl/TokenKinds.def"
                         .Default(Token::identifier);
  return make(kind, start);
}

Token Lexer::lexNumber(const char *start) {
  while (cur < bufEnd && isDigit(*cur))
    ++cur;
  bool isFloat = false;
  if (cur + 1 < bufEnd && *cur == '.' && isDigit(cur[1])) {
    isFloat = true;
    cur += 2;
    while (cur < bufEnd && isDigit(*cur))
      ++cur;
  }
  if (cur < bufEnd && (*cur == 'e' || *cur == 'E')) {
    const char *p = cur + 1;
    if (p < bufEnd && (*p == '+' || *p == '-'))
      ++p;
    if (p < bufEnd && isDigit(*p)) {
      isFloat = true;
      cur = p;
      while (cur < bufEnd && isDigit(*cur))
        ++cur;
    }
  }
  // Digits running into letters (`1f1b`) form a word: a schedule name.
  if (cur < bufEnd && isIdentChar(*cur)) {
    while (cur < bufEnd && isIdentChar(*cur))
      ++cur;
    return make(Token::word, start);
  }
  Token t = make(isFloat ? Token::floatlit : Token::integer, start);
  if (!isFloat) {
    if (t.spelling.getAsInteger(10, t.intValue))
      return error(start, "integer literal '" + t.spelling + "' is too large");
    return t;
  }
  std::string text = t.spelling.str();
  t.floatValue = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(t.floatValue))
    return error(start, "number '" + t.spelling + "' is out of range");
  return t;
}

Token Lexer::lexString(const char *start) {
  std::string value;
  while (true) {
    if (cur >= bufEnd || *cur == '\n')
      return error(start, "unterminated string");
    char c = *cur++;
    if (c == '"')
      break;
    if (c == '\\') {
      if (cur < bufEnd && (*cur == '"' || *cur == '\\')) {
        value.push_back(*cur++);
        continue;
      }
      return error(cur - 1, "unknown escape in string; only \\\" and \\\\ "
                            "are allowed");
    }
    value.push_back(c);
  }
  Token t = make(Token::string, start);
  t.stringValue = std::move(value);
  return t;
}
