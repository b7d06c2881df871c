//===- Lexer.h - Tokens of the .pipe language and the lexer -------------===//
#ifndef PIPE_DSL_LEXER_H
#define PIPE_DSL_LEXER_H

#include "mlir/IR/Location.h"
#include "pipe/dsl/AST.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"
#include <optional>
#include <string>

namespace pipe::dsl {

struct Token {
  enum Kind {
#define TOK_MARKER(NAME) NAME,
#define TOK_LITERAL(NAME) NAME,
#define TOK_PUNCT(NAME, SPELLING) NAME,
#define TOK_KEYWORD(SPELLING) kw_##SPELLING,
#include "pipe/dsl/TokenKinds.def"
  };
  Kind kind = eof;
  llvm::StringRef spelling; ///< the exact source text
  ast::Loc loc;
  int64_t intValue = 0;    ///< integer
  double floatValue = 0;   ///< floatlit
  std::string stringValue; ///< string, escapes resolved

  bool is(Kind k) const { return kind == k; }
  bool isKeyword() const;
  /// End of the token in the buffer (for "are two tokens adjacent").
  const char *end() const { return spelling.end(); }
};

/// A short human name of a token kind for diagnostics: "identifier", "'('".
llvm::StringRef describe(Token::Kind kind);

/// Lexes one SourceMgr buffer. Errors (bad characters, unterminated strings,
/// bad escapes, out-of-range numbers) go to `ctx`'s diagnostic engine and
/// produce a Token::error.
class Lexer {
public:
  Lexer(llvm::SourceMgr &sm, unsigned bufferId, mlir::MLIRContext *ctx);
  Token lex();
  mlir::Location location(ast::Loc loc) const;
  llvm::StringRef bufferName() const { return name; }

private:
  Token make(Token::Kind kind, const char *start);
  Token error(const char *at, const llvm::Twine &message);
  Token lexNumber(const char *start);
  Token lexString(const char *start);
  Token lexIdentifier(const char *start);
  ast::Loc locOf(const char *p) const;

  mlir::MLIRContext *ctx;
  llvm::StringRef name;
  const char *bufStart, *cur, *bufEnd;
  const char *lineStart;
  unsigned line = 1;
  int nesting = 0; ///< open ( and [: newlines inside are ignored
};

} // namespace pipe::dsl

#endif // PIPE_DSL_LEXER_H
