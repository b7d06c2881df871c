//===- Parser.cpp - Recursive-descent parser of .pipe files --------------===//
#include "pipe/dsl/Parser.h"
#include "mlir/IR/Diagnostics.h"
#include "pipe/dsl/Frontend.h"

using namespace pipe::dsl;
using ast::Expr;
using ast::ExprPtr;

namespace {
/// Counts nesting so adversarial input cannot exhaust the stack.
struct DepthGuard {
  int &depth;
  explicit DepthGuard(int &depth) : depth(depth) { ++depth; }
  ~DepthGuard() { --depth; }
};
} // namespace

Parser::Parser(llvm::SourceMgr &sm, unsigned bufferId, mlir::MLIRContext *ctx)
    : lexer(sm, bufferId, ctx) {
  tok = lexer.lex();
}

void Parser::consume() {
  if (next) {
    tok = std::move(*next);
    next.reset();
  } else {
    tok = lexer.lex();
  }
}

const Token &Parser::peek() {
  if (!next)
    next = lexer.lex();
  return *next;
}

bool Parser::consumeIf(Token::Kind kind) {
  if (!tok.is(kind))
    return false;
  consume();
  return true;
}

bool Parser::emitError(ast::Loc loc, const llvm::Twine &message) {
  // A lexer error has already been reported at this token; one is enough.
  if (!failed && !tok.is(Token::error))
    mlir::emitError(lexer.location(loc), message);
  failed = true;
  return false;
}

static std::string spell(const Token &t) {
  if (t.is(Token::identifier) || t.is(Token::integer) ||
      t.is(Token::floatlit) || t.is(Token::word))
    return (describe(t.kind) + " '" + t.spelling + "'").str();
  return describe(t.kind).str();
}

bool Parser::expect(Token::Kind kind, llvm::StringRef context) {
  if (consumeIf(kind))
    return true;
  return emitErrorHere("expected " + describe(kind) + " " + context + ", got " +
                       spell(tok));
}

bool Parser::skipNewlines() {
  while (tok.is(Token::newline))
    consume();
  return !tok.is(Token::error);
}

bool Parser::expectTerminator(llvm::StringRef what) {
  if (tok.is(Token::newline) || tok.is(Token::eof) || tok.is(Token::r_brace))
    return true;
  return emitErrorHere("expected end of line after " + what + ", got " +
                       spell(tok));
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

std::unique_ptr<ast::File> Parser::parseFile() {
  auto file = std::make_unique<ast::File>();
  file->name = lexer.bufferName().str();
  while (true) {
    if (!skipNewlines())
      return nullptr;
    if (tok.is(Token::eof))
      break;
    auto decl = parseDecl();
    if (!decl || failed)
      return nullptr;
    if (!tok.is(Token::newline) && !tok.is(Token::eof)) {
      emitErrorHere("expected end of line after declaration, got " +
                    spell(tok));
      return nullptr;
    }
    file->decls.push_back(std::move(decl));
  }
  return failed ? nullptr : std::move(file);
}

std::unique_ptr<ast::Decl> Parser::parseDecl() {
  switch (tok.kind) {
  case Token::kw_const:
    return parseConst();
  case Token::kw_block:
    return parseBlock();
  case Token::kw_model:
    return parseModel();
  case Token::kw_extern:
    return parseExtern();
  case Token::kw_pipeline:
  case Token::kw_train:
    return parseSection();
  default:
    emitErrorHere("expected a declaration (const, block, model, extern, "
                  "pipeline or train), got " +
                  spell(tok));
    return nullptr;
  }
}

std::unique_ptr<ast::Decl> Parser::parseConst() {
  auto decl = std::make_unique<ast::ConstDecl>(tok.loc);
  consume();
  decl->name = tok.spelling.str();
  decl->nameLoc = tok.loc;
  if (!expect(Token::identifier, "after 'const'") ||
      !expect(Token::equal, "after the constant's name"))
    return nullptr;
  decl->value = parseExpr();
  return decl->value ? std::move(decl) : nullptr;
}

bool Parser::parseParams(std::vector<ast::Param> &params,
                         llvm::StringRef what) {
  if (!expect(Token::l_paren, ("after the " + what + "'s name").str()))
    return false;
  if (consumeIf(Token::r_paren))
    return true;
  do {
    if (tok.is(Token::r_paren))
      break; // trailing comma
    params.push_back({tok.spelling.str(), tok.loc});
    if (!expect(Token::identifier, ("as a " + what + " parameter").str()))
      return false;
  } while (consumeIf(Token::comma));
  return expect(Token::r_paren, ("after the " + what + "'s parameters").str());
}

std::unique_ptr<ast::Decl> Parser::parseBlock() {
  auto decl = std::make_unique<ast::BlockDecl>(tok.loc);
  consume();
  decl->name = tok.spelling.str();
  decl->nameLoc = tok.loc;
  if (!expect(Token::identifier, "after 'block'") ||
      !parseParams(decl->params, "block") ||
      !parseBody(decl->body, "block '" + decl->name + "'", decl->loc))
    return nullptr;
  return decl;
}

bool Parser::parseInput(ast::InputDecl &input) {
  input.name = tok.spelling.str();
  input.loc = tok.loc;
  if (!expect(Token::identifier, "as a model input name") ||
      !expect(Token::colon, "after the input's name"))
    return false;
  input.dtype = tok.spelling.str();
  input.dtypeLoc = tok.loc;
  if (!expect(Token::identifier, "as the input's type (i32 or f32)") ||
      !expect(Token::l_square, "after the input's element type"))
    return false;
  do {
    ExprPtr dim = parseExpr();
    if (!dim)
      return false;
    input.dims.push_back(std::move(dim));
  } while (consumeIf(Token::comma));
  return expect(Token::r_square, "after the input's dimensions");
}

std::unique_ptr<ast::Decl> Parser::parseModel() {
  auto decl = std::make_unique<ast::ModelDecl>(tok.loc);
  consume();
  decl->name = tok.spelling.str();
  decl->nameLoc = tok.loc;
  if (!expect(Token::identifier, "after 'model'") ||
      !expect(Token::l_paren, "after the model's name"))
    return nullptr;
  if (!tok.is(Token::r_paren)) {
    do {
      if (tok.is(Token::r_paren))
        break;
      decl->inputs.emplace_back();
      if (!parseInput(decl->inputs.back()))
        return nullptr;
    } while (consumeIf(Token::comma));
  }
  if (!expect(Token::r_paren, "after the model's inputs") ||
      !parseBody(decl->body, "model '" + decl->name + "'", decl->loc))
    return nullptr;
  return decl;
}

std::unique_ptr<ast::Decl> Parser::parseExtern() {
  auto decl = std::make_unique<ast::ExternDecl>(tok.loc);
  consume();
  if (!expect(Token::kw_op, "after 'extern'"))
    return nullptr;
  decl->name = tok.spelling.str();
  decl->nameLoc = tok.loc;
  if (!expect(Token::identifier, "after 'extern op'") ||
      !parseParams(decl->params, "extern op") ||
      !expect(Token::kw_from, "after the extern op's parameters"))
    return nullptr;
  decl->file = tok.stringValue;
  decl->fileLoc = tok.loc;
  if (!expect(Token::string, "naming the extern op's source file"))
    return nullptr;
  return decl;
}

std::unique_ptr<ast::Decl> Parser::parseSection() {
  ast::Decl::Kind kind = tok.is(Token::kw_pipeline) ? ast::Decl::Kind::Pipeline
                                                    : ast::Decl::Kind::Train;
  auto decl = std::make_unique<ast::SectionDecl>(kind, tok.loc);
  llvm::StringRef what = tok.spelling;
  consume();
  if (!expect(Token::l_brace, ("after '" + what + "'").str()))
    return nullptr;
  while (true) {
    if (!skipNewlines())
      return nullptr;
    if (consumeIf(Token::r_brace))
      return decl;
    if (tok.is(Token::eof)) {
      emitErrorHere("expected '}' to close '" + what + "'");
      return nullptr;
    }
    auto kv = parseKeyValue();
    if (!kv || !expectTerminator("'" + kv->key + " = ...'"))
      return nullptr;
    decl->entries.push_back(std::move(*kv));
  }
}

std::optional<ast::KeyValue> Parser::parseKeyValue() {
  ast::KeyValue kv;
  kv.key = tok.spelling.str();
  kv.loc = tok.loc;
  if (!tok.is(Token::identifier)) {
    emitErrorHere("expected a key name, got " + spell(tok));
    return std::nullopt;
  }
  consume();
  if (!expect(Token::equal, "after the key '" + kv.key + "'"))
    return std::nullopt;
  kv.value = kv.key == "schedule" ? parseScheduleWord() : parseExpr();
  if (!kv.value)
    return std::nullopt;
  return kv;
}

std::optional<ast::KeyValue> Parser::parseKeyValueBuffer() {
  auto kv = parseKeyValue();
  if (!kv)
    return std::nullopt;
  if (!tok.is(Token::eof)) {
    emitErrorHere("unexpected " + spell(tok) + " after the value");
    return std::nullopt;
  }
  return kv;
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

bool Parser::parseBody(std::vector<ast::Stmt> &body, llvm::StringRef what,
                       ast::Loc ownerLoc) {
  if (!expect(Token::l_brace, ("to open the body of " + what).str()))
    return false;
  if (!parseStmts(body))
    return false;
  for (size_t i = 0; i + 1 < body.size(); ++i)
    if (body[i].kind == ast::Stmt::Kind::Return)
      return emitError(body[i].loc,
                       "'return' must be the last statement of " + what);
  if (body.empty() || body.back().kind != ast::Stmt::Kind::Return)
    return emitError(ownerLoc, what + " must end with 'return'");
  return true;
}

bool Parser::parseStmts(std::vector<ast::Stmt> &body) {
  while (true) {
    if (!skipNewlines())
      return false;
    if (consumeIf(Token::r_brace))
      return true;
    if (tok.is(Token::eof))
      return emitErrorHere("expected '}' before end of file");
    auto stmt = parseStmt();
    if (!stmt || !expectTerminator("a statement"))
      return false;
    body.push_back(std::move(*stmt));
  }
}

std::optional<ast::Stmt> Parser::parseStmt() {
  ast::Loc loc = tok.loc;
  if (consumeIf(Token::kw_return)) {
    ast::Stmt stmt(ast::Stmt::Kind::Return, loc);
    stmt.value = parseExpr();
    if (!stmt.value)
      return std::nullopt;
    return stmt;
  }
  if (consumeIf(Token::kw_repeat)) {
    DepthGuard guard(depth);
    if (depth > kMaxDepth) {
      emitError(loc, "repeats nested too deeply");
      return std::nullopt;
    }
    ast::Stmt stmt(ast::Stmt::Kind::Repeat, loc);
    stmt.value = parseExpr();
    if (!stmt.value || !expect(Token::l_brace, "to open the repeat body") ||
        !parseStmts(stmt.body))
      return std::nullopt;
    for (const ast::Stmt &s : stmt.body)
      if (s.kind == ast::Stmt::Kind::Return) {
        emitError(s.loc, "'return' is not allowed inside 'repeat'");
        return std::nullopt;
      }
    return stmt;
  }
  if (!tok.is(Token::identifier)) {
    emitErrorHere("expected a statement (NAME = EXPR, repeat or return), got " +
                  spell(tok));
    return std::nullopt;
  }
  ast::Stmt stmt(ast::Stmt::Kind::Assign, loc);
  stmt.name = tok.spelling.str();
  consume();
  if (!expect(Token::equal, "after '" + stmt.name + "'"))
    return std::nullopt;
  stmt.value = parseExpr();
  if (!stmt.value)
    return std::nullopt;
  return stmt;
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

static ExprPtr makeBinary(char op, ast::Loc loc, ExprPtr lhs, ExprPtr rhs) {
  auto e = std::make_unique<Expr>(Expr::Kind::Binary, loc);
  e->op = op;
  e->operands.push_back(std::move(lhs));
  e->height = 1 + std::max(e->operands[0]->height, rhs->height);
  e->operands.push_back(std::move(rhs));
  return e;
}

ExprPtr Parser::checkHeight(ExprPtr e, ast::Loc at) {
  if (e->height <= kMaxHeight)
    return e;
  emitError(at, "expression too long: more than " + llvm::Twine(kMaxHeight) +
                    " operators deep (split it into several statements)");
  return nullptr;
}

ExprPtr Parser::parseExpr() {
  ExprPtr lhs = parseTerm();
  while (lhs && (tok.is(Token::plus) || tok.is(Token::minus))) {
    char op = tok.spelling[0];
    ast::Loc loc = tok.loc;
    consume();
    ExprPtr rhs = parseTerm();
    if (!rhs)
      return nullptr;
    lhs = checkHeight(makeBinary(op, loc, std::move(lhs), std::move(rhs)), loc);
  }
  return lhs;
}

ExprPtr Parser::parseTerm() {
  ExprPtr lhs = parseUnary();
  while (lhs && (tok.is(Token::star) || tok.is(Token::slash))) {
    char op = tok.spelling[0];
    ast::Loc loc = tok.loc;
    consume();
    ExprPtr rhs = parseUnary();
    if (!rhs)
      return nullptr;
    lhs = checkHeight(makeBinary(op, loc, std::move(lhs), std::move(rhs)), loc);
  }
  return lhs;
}

ExprPtr Parser::parseUnary() {
  DepthGuard guard(depth);
  if (depth > kMaxDepth) {
    emitErrorHere("expression nested too deeply");
    return nullptr;
  }
  if (tok.is(Token::minus)) {
    ast::Loc loc = tok.loc;
    auto e = std::make_unique<Expr>(Expr::Kind::Neg, loc);
    consume();
    ExprPtr operand = parseUnary();
    if (!operand)
      return nullptr;
    e->height = 1 + operand->height;
    e->operands.push_back(std::move(operand));
    return checkHeight(std::move(e), loc);
  }
  return parsePrimary();
}

ExprPtr Parser::parsePrimary() {
  ast::Loc loc = tok.loc;
  switch (tok.kind) {
  case Token::integer: {
    auto e = std::make_unique<Expr>(Expr::Kind::Int, loc);
    e->intValue = tok.intValue;
    e->text = tok.spelling.str();
    consume();
    return e;
  }
  case Token::floatlit: {
    auto e = std::make_unique<Expr>(Expr::Kind::Float, loc);
    e->floatValue = tok.floatValue;
    e->text = tok.spelling.str();
    consume();
    return e;
  }
  case Token::string: {
    auto e = std::make_unique<Expr>(Expr::Kind::String, loc);
    e->text = tok.stringValue;
    consume();
    return e;
  }
  case Token::kw_true:
  case Token::kw_false: {
    auto e = std::make_unique<Expr>(Expr::Kind::Bool, loc);
    e->boolValue = tok.is(Token::kw_true);
    e->text = tok.spelling.str();
    consume();
    return e;
  }
  case Token::identifier: {
    auto e = std::make_unique<Expr>(Expr::Kind::Name, loc);
    e->text = tok.spelling.str();
    consume();
    if (!tok.is(Token::l_paren))
      return e;
    e->kind = Expr::Kind::Call;
    return parseCallArgs(std::move(e));
  }
  case Token::l_paren: {
    consume();
    ExprPtr inner = parseExpr();
    if (!inner || !expect(Token::r_paren, "to close '('"))
      return nullptr;
    return inner;
  }
  case Token::word:
    emitErrorHere("'" + tok.spelling + "' is not a valid number");
    return nullptr;
  default:
    emitErrorHere("expected an expression, got " + spell(tok));
    return nullptr;
  }
}

ExprPtr Parser::parseCallArgs(ExprPtr call) {
  consume(); // '('
  while (!tok.is(Token::r_paren)) {
    if (tok.is(Token::identifier) && peek().is(Token::colon)) {
      ast::NamedArg arg{tok.spelling.str(), tok.loc, nullptr};
      consume();
      consume();
      arg.value = parseExpr();
      if (!arg.value)
        return nullptr;
      call->height = std::max(call->height, 1 + arg.value->height);
      call->named.push_back(std::move(arg));
    } else {
      if (!call->named.empty()) {
        emitErrorHere("positional argument after named arguments in call to '" +
                      call->text + "'");
        return nullptr;
      }
      ExprPtr arg = parseExpr();
      if (!arg)
        return nullptr;
      call->height = std::max(call->height, 1 + arg->height);
      call->operands.push_back(std::move(arg));
    }
    if (!consumeIf(Token::comma))
      break;
  }
  if (!expect(Token::r_paren, "to close the call to '" + call->text + "'"))
    return nullptr;
  ast::Loc loc = call->loc;
  return checkHeight(std::move(call), loc);
}

/// A schedule value: adjacent identifier, number, word and '-' tokens glued
/// together (`zb-h1`, `1f1b`, `gpipe`). Anything else is parsed as an
/// expression and rejected by sema.
ExprPtr Parser::parseScheduleWord() {
  if (!tok.is(Token::identifier) && !tok.is(Token::word) &&
      !tok.is(Token::integer))
    return parseExpr();
  auto e = std::make_unique<Expr>(Expr::Kind::Word, tok.loc);
  e->text = tok.spelling.str();
  const char *end = tok.end();
  consume();
  while ((tok.is(Token::identifier) || tok.is(Token::word) ||
          tok.is(Token::integer) || tok.is(Token::minus)) &&
         tok.spelling.begin() == end) {
    e->text += tok.spelling.str();
    end = tok.end();
    consume();
  }
  return e;
}

std::unique_ptr<ast::File> pipe::dsl::parseFile(llvm::SourceMgr &sm,
                                                mlir::MLIRContext *ctx) {
  Parser parser(sm, sm.getMainFileID(), ctx);
  return parser.parseFile();
}
