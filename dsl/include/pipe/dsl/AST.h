//===- AST.h - The parsed `.pipe` tree, one node per construct ----------===//
//
// Every node keeps the line:col (and the buffer name) it was parsed from so
// that sema can point diagnostics at it. Nothing here is checked yet: names,
// constants and shapes are sema's job.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DSL_AST_H
#define PIPE_DSL_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pipe::dsl::ast {

/// A source position. `file` is the SourceMgr buffer identifier (the .pipe
/// path, or "--set KEY=VALUE" for an override) and outlives the tree.
struct Loc {
  llvm::StringRef file;
  unsigned line = 0, col = 0;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// `name: value` inside a call.
struct NamedArg {
  std::string name;
  Loc loc;
  ExprPtr value;
};

struct Expr {
  enum class Kind {
    Int,    ///< 128
    Float,  ///< 3e-4
    String, ///< "corpus.txt" (text holds the unescaped value)
    Bool,   ///< true / false
    Name,   ///< x
    Word,   ///< a bare schedule value such as 1f1b or zb-h1
    Neg,    ///< -e (operands[0])
    Binary, ///< operands[0] op operands[1], op one of + - * /
    Call,   ///< text(operands..., named...)
  };
  Kind kind;
  Loc loc;
  std::string text; ///< name, callee, word, string value or literal spelling
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  char op = 0;
  /// Nodes on the longest path down to a leaf. The parser bounds it so that
  /// sema, the constant evaluator and the destructor may recurse.
  uint32_t height = 1;
  std::vector<ExprPtr> operands; ///< binary operands, call positional args
  std::vector<NamedArg> named;   ///< call named args

  Expr(Kind kind, Loc loc) : kind(kind), loc(loc) {}
};

struct Stmt {
  enum class Kind { Assign, Repeat, Return };
  Kind kind;
  Loc loc;
  std::string name;       ///< Assign: the bound name
  ExprPtr value;          ///< Assign: rhs; Return: value; Repeat: count
  std::vector<Stmt> body; ///< Repeat only
  Stmt(Kind kind, Loc loc) : kind(kind), loc(loc) {}
};

struct Param {
  std::string name;
  Loc loc;
};

struct Decl {
  enum class Kind { Const, Block, Model, Extern, Pipeline, Train };
  Decl(Kind kind, Loc loc) : kind(kind), loc(loc) {}
  virtual ~Decl() = default;
  Kind getKind() const { return kind; }
  const Kind kind;
  Loc loc; ///< the introducing keyword
};

struct ConstDecl : Decl {
  ConstDecl(Loc loc) : Decl(Kind::Const, loc) {}
  std::string name;
  Loc nameLoc;
  ExprPtr value;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Const; }
};

/// `block` and `model` share a body: statements ending with one `return`.
struct BlockDecl : Decl {
  BlockDecl(Loc loc) : Decl(Kind::Block, loc) {}
  std::string name;
  Loc nameLoc;
  std::vector<Param> params;
  std::vector<Stmt> body;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Block; }
};

/// `NAME: DTYPE[DIMS]`; the first dim is the `batch` keyword (a Name expr).
struct InputDecl {
  std::string name;
  Loc loc;
  std::string dtype;
  Loc dtypeLoc;
  std::vector<ExprPtr> dims;
};

struct ModelDecl : Decl {
  ModelDecl(Loc loc) : Decl(Kind::Model, loc) {}
  std::string name;
  Loc nameLoc;
  std::vector<InputDecl> inputs;
  std::vector<Stmt> body;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Model; }
};

struct ExternDecl : Decl {
  ExternDecl(Loc loc) : Decl(Kind::Extern, loc) {}
  std::string name;
  Loc nameLoc;
  std::vector<Param> params;
  std::string file; ///< as written
  Loc fileLoc;
  static bool classof(const Decl *d) { return d->getKind() == Kind::Extern; }
};

/// `KEY = VALUE` inside `pipeline { }` / `train { }` or from `--set`.
struct KeyValue {
  std::string key;
  Loc loc;
  ExprPtr value;
};

struct SectionDecl : Decl {
  SectionDecl(Kind kind, Loc loc) : Decl(kind, loc) {}
  std::vector<KeyValue> entries;
  static bool classof(const Decl *d) {
    return d->getKind() == Kind::Pipeline || d->getKind() == Kind::Train;
  }
};

struct File {
  std::string name; ///< the buffer identifier (path as given)
  std::vector<std::unique_ptr<Decl>> decls; ///< in source order
};

} // namespace pipe::dsl::ast

#endif // PIPE_DSL_AST_H
