//===- Parser.h - Recursive-descent parser of .pipe into the AST ---------===//
#ifndef PIPE_DSL_PARSER_H
#define PIPE_DSL_PARSER_H

#include "pipe/dsl/AST.h"
#include "pipe/dsl/Lexer.h"
#include <memory>
#include <optional>

namespace pipe::dsl {

/// Parses one buffer. Reports the first error through the MLIR diagnostic
/// engine and gives up (the caller gets nullptr / std::nullopt).
class Parser {
public:
  Parser(llvm::SourceMgr &sm, unsigned bufferId, mlir::MLIRContext *ctx);

  std::unique_ptr<ast::File> parseFile();
  /// A whole buffer holding exactly `KEY=VALUE` (a --set override).
  std::optional<ast::KeyValue> parseKeyValueBuffer();

  /// Deepest nesting of parentheses, calls, unary minus and repeats.
  static constexpr int kMaxDepth = 64;
  /// Tallest expression tree (ast::Expr::height): bounds operator chains such
  /// as `x + x + ...`, which nest without parentheses.
  static constexpr uint32_t kMaxHeight = 1000;

private:
  // Token stream.
  void consume();
  const Token &peek();
  bool consumeIf(Token::Kind kind);
  bool expect(Token::Kind kind, llvm::StringRef context);
  bool emitError(ast::Loc loc, const llvm::Twine &message);
  bool emitErrorHere(const llvm::Twine &message) {
    return emitError(tok.loc, message);
  }
  bool skipNewlines();
  bool expectTerminator(llvm::StringRef what);

  // Declarations.
  std::unique_ptr<ast::Decl> parseDecl();
  std::unique_ptr<ast::Decl> parseConst();
  std::unique_ptr<ast::Decl> parseBlock();
  std::unique_ptr<ast::Decl> parseModel();
  std::unique_ptr<ast::Decl> parseExtern();
  std::unique_ptr<ast::Decl> parseSection();
  bool parseParams(std::vector<ast::Param> &params, llvm::StringRef what);
  bool parseInput(ast::InputDecl &input);
  std::optional<ast::KeyValue> parseKeyValue();

  // Statements.
  bool parseBody(std::vector<ast::Stmt> &body, llvm::StringRef what,
                 ast::Loc ownerLoc);
  bool parseStmts(std::vector<ast::Stmt> &body);
  std::optional<ast::Stmt> parseStmt();

  // Expressions.
  ast::ExprPtr parseExpr();
  ast::ExprPtr parseTerm();
  ast::ExprPtr parseUnary();
  ast::ExprPtr parsePrimary();
  ast::ExprPtr parseCallArgs(ast::ExprPtr call);
  ast::ExprPtr parseScheduleWord();
  ast::ExprPtr checkHeight(ast::ExprPtr e, ast::Loc at);

  Lexer lexer;
  Token tok;
  std::optional<Token> next;
  int depth = 0;
  bool failed = false;
};

} // namespace pipe::dsl

#endif // PIPE_DSL_PARSER_H
