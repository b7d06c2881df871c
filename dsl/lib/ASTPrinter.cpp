//===- ASTPrinter.cpp - pipec --emit=ast: one node per line with line:col ===//
//
// Format: two spaces of indent per level, then `Kind detail @LINE:COL`.
//
//===----------------------------------------------------------------------===//
#include "pipe/dsl/AST.h"
#include "pipe/dsl/Frontend.h"
#include "llvm/Support/raw_ostream.h"

using namespace pipe::dsl;
using namespace pipe::dsl::ast;

namespace {
class ASTPrinter {
public:
  explicit ASTPrinter(llvm::raw_ostream &os) : os(os) {}

  void print(const File &file) {
    os << "File " << file.name << "\n";
    for (const auto &decl : file.decls)
      print(*decl, 1);
  }

private:
  llvm::raw_ostream &line(int indent) {
    for (int i = 0; i < indent; ++i)
      os << "  ";
    return os;
  }
  void at(Loc loc) { os << " @" << loc.line << ":" << loc.col << "\n"; }

  void params(const std::vector<Param> &ps) {
    os << "(";
    for (size_t i = 0; i < ps.size(); ++i)
      os << (i ? ", " : "") << ps[i].name;
    os << ")";
  }

  void print(const Decl &decl, int indent) {
    if (auto *c = llvm::dyn_cast<ConstDecl>(&decl)) {
      line(indent) << "Const " << c->name;
      at(c->loc);
      print(*c->value, indent + 1);
    } else if (auto *b = llvm::dyn_cast<BlockDecl>(&decl)) {
      line(indent) << "Block " << b->name;
      params(b->params);
      at(b->loc);
      for (const Stmt &s : b->body)
        print(s, indent + 1);
    } else if (auto *m = llvm::dyn_cast<ModelDecl>(&decl)) {
      line(indent) << "Model " << m->name;
      at(m->loc);
      for (const InputDecl &in : m->inputs) {
        line(indent + 1) << "Input " << in.name << ": " << in.dtype;
        at(in.loc);
        for (const ExprPtr &d : in.dims)
          print(*d, indent + 2);
      }
      for (const Stmt &s : m->body)
        print(s, indent + 1);
    } else if (auto *x = llvm::dyn_cast<ExternDecl>(&decl)) {
      line(indent) << "Extern " << x->name;
      params(x->params);
      os << " from \"";
      os.write_escaped(x->file);
      os << "\"";
      at(x->loc);
    } else if (auto *s = llvm::dyn_cast<SectionDecl>(&decl)) {
      line(indent) << (s->kind == Decl::Kind::Pipeline ? "Pipeline" : "Train");
      at(s->loc);
      for (const KeyValue &kv : s->entries) {
        line(indent + 1) << "Key " << kv.key;
        at(kv.loc);
        print(*kv.value, indent + 2);
      }
    }
  }

  void print(const Stmt &s, int indent) {
    switch (s.kind) {
    case Stmt::Kind::Assign:
      line(indent) << "Assign " << s.name;
      at(s.loc);
      print(*s.value, indent + 1);
      return;
    case Stmt::Kind::Return:
      line(indent) << "Return";
      at(s.loc);
      print(*s.value, indent + 1);
      return;
    case Stmt::Kind::Repeat:
      line(indent) << "Repeat";
      at(s.loc);
      print(*s.value, indent + 1);
      for (const Stmt &b : s.body)
        print(b, indent + 1);
      return;
    }
  }

  void print(const Expr &e, int indent) {
    switch (e.kind) {
    case Expr::Kind::Int:
    case Expr::Kind::Float:
      line(indent) << (e.kind == Expr::Kind::Int ? "Int " : "Float ") << e.text;
      break;
    case Expr::Kind::String:
      line(indent) << "String \"";
      os.write_escaped(e.text);
      os << "\"";
      break;
    case Expr::Kind::Bool:
      line(indent) << "Bool " << e.text;
      break;
    case Expr::Kind::Name:
      line(indent) << "Name " << e.text;
      break;
    case Expr::Kind::Word:
      line(indent) << "Word " << e.text;
      break;
    case Expr::Kind::Neg:
      line(indent) << "Neg";
      break;
    case Expr::Kind::Binary:
      line(indent) << "Binary " << e.op;
      break;
    case Expr::Kind::Call:
      line(indent) << "Call " << e.text;
      break;
    }
    at(e.loc);
    for (const ExprPtr &operand : e.operands)
      print(*operand, indent + 1);
    for (const NamedArg &arg : e.named) {
      line(indent + 1) << "Arg " << arg.name;
      at(arg.loc);
      print(*arg.value, indent + 2);
    }
  }

  llvm::raw_ostream &os;
};
} // namespace

void pipe::dsl::printAST(const File &file, llvm::raw_ostream &os) {
  ASTPrinter(os).print(file);
}
