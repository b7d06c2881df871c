//===- Sema.cpp - Names, constants, block inlining and repeat unrolling --===//
#include "Sema.h"
#include "pipe/Dialect/PipeDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"

using namespace pipe::dsl;
using namespace pipe::dsl::sema;
using ast::Expr;
using ast::Stmt;

std::string sema::str(const TensorType &t) {
  std::string s = t.dtype == DType::I32 ? "i32[" : "f32[";
  for (size_t i = 0; i < t.dims.size(); ++i) {
    if (i)
      s += ", ";
    s += t.dims[i] == kBatchDim ? "batch" : std::to_string(t.dims[i]);
  }
  return s + "]";
}

static std::string shortExpr(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Name:
  case Expr::Kind::Int:
  case Expr::Kind::Float:
    return e.text;
  case Expr::Kind::Binary:
    return shortExpr(*e.operands[0]) + " " + e.op + " " +
           shortExpr(*e.operands[1]);
  case Expr::Kind::Call: {
    bool simple = e.named.empty();
    std::string args;
    for (const ast::ExprPtr &a : e.operands) {
      simple &= a->kind == Expr::Kind::Name;
      args += (args.empty() ? "" : ", ") + a->text;
    }
    return e.text + "(" + (simple ? args : "...") + ")";
  }
  default:
    return "...";
  }
}

std::string sema::cellText(const Stmt &s) {
  if (s.kind == Stmt::Kind::Return)
    return "return " + shortExpr(*s.value);
  return s.name + " = " + shortExpr(*s.value);
}

Analyzer::Analyzer(const ast::File &file, llvm::ArrayRef<Override> overrides,
                   llvm::SourceMgr &sm, mlir::MLIRContext *ctx)
    : file(file), overrides(overrides), sm(sm), ctx(ctx) {
  // The ops' shape rules are the dialect's (SemaOps.cpp).
  ctx->getOrLoadDialect<pipe::PipeDialect>();
}

//===----------------------------------------------------------------------===//
// Diagnostics and constants
//===----------------------------------------------------------------------===//

mlir::Location Analyzer::fileLoc(ast::Loc loc) const {
  return mlir::FileLineColLoc::get(ctx, loc.file, loc.line, loc.col);
}

mlir::Location Analyzer::locate(ast::Loc loc) const {
  if (callStack.empty())
    return fileLoc(loc);
  mlir::Location caller = fileLoc(callStack.front());
  for (size_t i = 1; i < callStack.size(); ++i)
    caller = mlir::CallSiteLoc::get(fileLoc(callStack[i]), caller);
  return mlir::CallSiteLoc::get(fileLoc(loc), caller);
}

bool Analyzer::error(ast::Loc loc, const llvm::Twine &message) {
  if (!failed)
    mlir::emitError(locate(loc), message);
  failed = true;
  return false;
}

ConstLookupResult Analyzer::lookupConst(llvm::StringRef name) const {
  ConstLookupResult r;
  if (env) {
    auto it = env->find(name);
    if (it != env->end()) {
      if (it->second.isTensor) {
        r.kind = ConstLookupResult::Kind::NotConst;
        r.what = "a tensor";
      } else {
        r.kind = ConstLookupResult::Kind::Const;
        r.value = it->second.constant;
      }
      return r;
    }
  }
  auto c = consts.find(name);
  if (c != consts.end() && c->second.declIndex < visibleBefore) {
    r.kind = ConstLookupResult::Kind::Const;
    r.value = c->second.value;
    return r;
  }
  auto g = globals.find(name);
  if (g != globals.end() && g->second.declIndex < visibleBefore) {
    r.kind = ConstLookupResult::Kind::NotConst;
    r.what = g->second.what;
  } else if (builtinOp(name)) {
    r.kind = ConstLookupResult::Kind::NotConst;
    r.what = "a built-in op";
  }
  return r;
}

std::optional<ConstValue> Analyzer::evalConstant(const Expr &e) {
  if (failed)
    return std::nullopt;
  auto v = evalConst(
      e, [this](llvm::StringRef n) { return lookupConst(n); },
      [this](ast::Loc l) { return locate(l); });
  if (!v)
    failed = true;
  return v;
}

std::optional<int64_t> Analyzer::evalInt(const Expr &e, llvm::StringRef what,
                                         int64_t min) {
  auto v = evalConstant(e);
  if (!v)
    return std::nullopt;
  if (!v->isInt) {
    error(e.loc, what + " must be an integer, got " + v->str());
    return std::nullopt;
  }
  if (v->i < min) {
    error(e.loc, what + " must be at least " + std::to_string(min) + ", got " +
                     std::to_string(v->i));
    return std::nullopt;
  }
  if (v->i > kMaxDim) {
    error(e.loc, what + " " + std::to_string(v->i) + " is too large (at most " +
                     std::to_string(kMaxDim) + ")");
    return std::nullopt;
  }
  return v->i;
}

bool Analyzer::isConstExpr(const Expr &e) const {
  switch (e.kind) {
  case Expr::Kind::Int:
  case Expr::Kind::Float:
    return true;
  case Expr::Kind::Name:
    return lookupConst(e.text).kind == ConstLookupResult::Kind::Const;
  case Expr::Kind::Neg:
  case Expr::Kind::Binary:
    for (const ast::ExprPtr &o : e.operands)
      if (!isConstExpr(*o))
        return false;
    return true;
  default:
    return false;
  }
}

bool Analyzer::defineGlobal(llvm::StringRef name, ast::Loc loc,
                            llvm::StringRef what) {
  auto it = globals.find(name);
  if (it != globals.end()) {
    if (!failed)
      mlir::emitError(locate(loc), "redefinition of '" + name + "'")
              .attachNote(fileLoc(it->second.loc))
          << "previous definition here";
    failed = true;
    return false;
  }
  if (what != "a constant" && builtinOp(name))
    return error(loc,
                 "'" + name + "' is a built-in op and cannot be redefined");
  globals[name] = {what.str(), visibleBefore, loc};
  return true;
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

std::optional<Program> Analyzer::run() {
  program.file = file.name;
  for (size_t i = 0; i < file.decls.size() && !failed; ++i) {
    visibleBefore = i;
    const ast::Decl &decl = *file.decls[i];
    if (auto *c = llvm::dyn_cast<ast::ConstDecl>(&decl)) {
      analyzeConst(*c);
    } else if (auto *b = llvm::dyn_cast<ast::BlockDecl>(&decl)) {
      if (!defineGlobal(b->name, b->nameLoc, "a block"))
        break;
      llvm::StringMap<ast::Loc> seen;
      for (const ast::Param &p : b->params)
        if (!seen.try_emplace(p.name, p.loc).second)
          error(p.loc, "duplicate parameter '" + p.name + "'");
      blocks[b->name] = {b, i};
    } else if (auto *x = llvm::dyn_cast<ast::ExternDecl>(&decl)) {
      analyzeExtern(*x);
    } else if (auto *m = llvm::dyn_cast<ast::ModelDecl>(&decl)) {
      if (sawModel)
        error(m->loc, "a file has exactly one model; '" + m->name +
                          "' is a second one");
      else
        analyzeModel(*m);
    } else if (auto *s = llvm::dyn_cast<ast::SectionDecl>(&decl)) {
      bool isPipeline = s->kind == ast::Decl::Kind::Pipeline;
      const ast::SectionDecl *&slot = isPipeline ? pipelineDecl : trainDecl;
      if (slot)
        error(s->loc, llvm::Twine("repeated '") +
                          (isPipeline ? "pipeline" : "train") + "' section");
      slot = s;
      entryVisibility[isPipeline ? "pipeline" : "train"] = i;
    }
  }
  if (!failed && !sawModel)
    error({file.name, 1, 1}, "the file has no model; exactly one 'model' is "
                             "required");
  if (failed || !analyzeSections())
    return std::nullopt;
  return std::move(program);
}

bool Analyzer::analyzeConst(const ast::ConstDecl &d) {
  auto v = evalConstant(*d.value);
  if (!v || !defineGlobal(d.name, d.nameLoc, "a constant"))
    return false;
  consts[d.name] = {*v, visibleBefore};
  return true;
}

bool Analyzer::analyzeExtern(const ast::ExternDecl &d) {
  if (!defineGlobal(d.name, d.nameLoc, "an extern op"))
    return false;
  if (d.params.empty())
    return error(d.nameLoc, "extern op '" + d.name +
                                "' needs at least one "
                                "input");
  ExternOp op;
  op.name = d.name;
  llvm::StringMap<bool> seen;
  for (const ast::Param &p : d.params) {
    if (!seen.try_emplace(p.name, true).second)
      return error(p.loc, "duplicate parameter '" + p.name + "'");
    op.params.push_back(p.name);
  }
  op.file = resolvePath(d.file);
  op.loc = fileLoc(d.loc);
  externs[d.name] = program.externs.size();
  program.externs.push_back(std::move(op));
  return true;
}

std::string Analyzer::resolvePath(llvm::StringRef path) const {
  if (path.empty() || llvm::sys::path::is_absolute(path))
    return path.str();
  llvm::SmallString<256> dir = llvm::sys::path::parent_path(file.name);
  if (dir.empty())
    return path.str();
  llvm::sys::path::append(dir, path);
  return std::string(dir.str());
}

bool Analyzer::analyzeInput(const ast::InputDecl &in) {
  TensorType type;
  if (in.dtype == "i32")
    type.dtype = DType::I32;
  else if (in.dtype != "f32")
    return error(in.dtypeLoc, "unknown element type '" + in.dtype +
                                  "'; expected i32 or f32");
  for (size_t i = 0; i < in.dims.size(); ++i) {
    const Expr &d = *in.dims[i];
    bool isBatch = d.kind == Expr::Kind::Name && d.text == "batch";
    if (i == 0 && !isBatch)
      return error(d.loc, "the first dimension of input '" + in.name +
                              "' must be 'batch'");
    if (i == 0) {
      type.dims.push_back(kBatchDim);
      continue;
    }
    if (isBatch)
      return error(d.loc, "'batch' may only be the first dimension");
    auto v = evalInt(d, "a dimension", 1);
    if (!v)
      return false;
    type.dims.push_back(*v);
  }
  if (!checkShape(type, in.loc, "input '" + in.name + "'"))
    return false;
  if (env->count(in.name))
    return error(in.loc, "duplicate input '" + in.name + "'");
  int id = newValue(type);
  (*env)[in.name] = Binding{true, id, {}};
  program.model.inputs.push_back({in.name, type, fileLoc(in.loc)});
  return true;
}

bool Analyzer::analyzeModel(const ast::ModelDecl &d) {
  sawModel = true;
  program.model.name = d.name;
  program.model.loc = fileLoc(d.loc);
  llvm::StringMap<Binding> modelEnv;
  env = &modelEnv;
  for (const ast::InputDecl &in : d.inputs)
    if (!analyzeInput(in))
      return false;
  bool ok = runStmts(d.body, /*topLevel=*/true);
  env = nullptr;
  if (ok && !checkLossUses(program.model))
    failed = true;
  return ok && !failed;
}

/// A loss op's gradient is the runtime's loss scale, so its result must be
/// the returned loss and feed nothing else (language.md, Ops). Checked here so
/// that every --emit kind rejects `l = mse(x, y); return l + l`, not only -o.
/// The loss ops: their results are scalars whose gradient the runtime seeds.
static bool isLossOp(const OpNode &op) {
  return op.op == "mse" || op.op == "cross_entropy";
}

bool sema::checkLossUses(const Model &model) {
  std::vector<const OpNode *> lossOf(model.values.size(), nullptr);
  for (const Cell &cell : model.cells)
    for (const OpNode &op : cell.ops) {
      for (int v : op.operands)
        if (const OpNode *loss = lossOf[v]) {
          mlir::emitError(op.loc, "the result of '")
              << loss->name
              << "' feeds another op: a loss op's result must be the model's "
                 "returned loss";
          return false;
        }
      if (isLossOp(op))
        lossOf[op.result] = &op;
    }
  for (const Cell &cell : model.cells)
    for (const OpNode &op : cell.ops)
      if (isLossOp(op) && op.result != model.loss) {
        mlir::emitError(op.loc, "the result of '")
            << op.name
            << "' is not returned: a loss op's result must be the model's "
               "returned loss";
        return false;
      }
  return true;
}

//===----------------------------------------------------------------------===//
// Statements, blocks, cells
//===----------------------------------------------------------------------===//

void Analyzer::beginCell(const Stmt &s) {
  Cell c;
  c.text = cellText(s);
  c.loc = fileLoc(s.loc);
  cellIndex = program.model.cells.size();
  program.model.cells.push_back(std::move(c));
  opsOfKindInCell.clear();
}

int Analyzer::newValue(TensorType type) {
  program.model.values.push_back(std::move(type));
  return static_cast<int>(program.model.values.size()) - 1;
}

bool Analyzer::addOp(OpNode op, ast::Loc loc) {
  if (++ops > kMaxOps)
    return error(loc, "the model is too large: more than " +
                          std::to_string(kMaxOps) + " ops");
  op.loc = locate(loc);
  // Parameters are named after the op as written, e.g. "c3.linear0".
  const std::string &kind = op.op == "extern_call" ? op.name : op.op;
  int &n = opsOfKindInCell[kind];
  op.paramPrefix =
      "c" + std::to_string(cellIndex) + "." + kind + std::to_string(n++);
  program.model.cells[cellIndex].ops.push_back(std::move(op));
  return true;
}

bool Analyzer::runStmts(llvm::ArrayRef<Stmt> body, bool topLevel) {
  for (const Stmt &s : body)
    if (!runStmt(s, topLevel))
      return false;
  return true;
}

bool Analyzer::runStmt(const Stmt &s, bool topLevel) {
  if (++statements > kMaxStatements)
    return error(s.loc, "the model is too large: more than " +
                            std::to_string(kMaxStatements) +
                            " statements after unrolling and inlining");
  switch (s.kind) {
  case Stmt::Kind::Assign: {
    if (topLevel)
      beginCell(s);
    auto v = evalTensor(*s.value);
    if (!v)
      return false;
    (*env)[s.name] = Binding{true, *v, {}};
    return true;
  }
  case Stmt::Kind::Repeat: {
    auto n = evalInt(*s.value, "the repeat count", 1);
    if (!n)
      return false;
    // Each copy counts itself and at least its body's statements (nested
    // literal repeats multiplied): fail at the repeat, before unrolling, when
    // that alone is over the limit.
    int64_t perCopy = 1 + minStatements(s.body);
    if (*n > (kMaxStatements - statements) / perCopy)
      return error(s.loc, "the model is too large: more than " +
                              std::to_string(kMaxStatements) +
                              " statements after unrolling and inlining");
    // Likewise for the ops each copy makes at the least, which counts the
    // blocks it calls (their statements are seen only once inlined): a
    // repeat of a large block fails here, not after a million ops.
    int64_t opsPerCopy = minOps(s.body);
    if (opsPerCopy > 0 && *n > (kMaxOps - ops) / opsPerCopy)
      return error(s.loc, "the model is too large: the repeat makes more " +
                              ("than " + std::to_string(kMaxOps) + " ops"));
    for (int64_t k = 0; k < *n; ++k) {
      if (++statements > kMaxStatements)
        return error(s.loc, "the model is too large: more than " +
                                std::to_string(kMaxStatements) +
                                " statements after unrolling and inlining");
      if (!runStmts(s.body, topLevel))
        return false;
    }
    return true;
  }
  case Stmt::Kind::Return: {
    beginCell(s);
    auto v = evalTensor(*s.value);
    if (!v)
      return false;
    const TensorType &t = program.model.values[*v];
    if (!t.dims.empty() || t.dtype != DType::F32)
      return error(s.value->loc,
                   "the model must return a scalar loss, got " + str(t));
    program.model.loss = *v;
    return true;
  }
  }
  return false;
}

std::optional<int> Analyzer::evalTensor(const Expr &e) {
  if (failed)
    return std::nullopt;
  switch (e.kind) {
  case Expr::Kind::Name: {
    auto it = env->find(e.text);
    if (it != env->end() && it->second.isTensor)
      return it->second.value;
    ConstLookupResult r = lookupConst(e.text);
    if (r.kind == ConstLookupResult::Kind::Const)
      error(e.loc, "'" + e.text +
                       "' is a constant, but a tensor is needed "
                       "here (constants appear only as op "
                       "arguments)");
    else if (r.kind == ConstLookupResult::Kind::NotConst)
      error(e.loc, "'" + e.text + "' is " + r.what + ", not a tensor");
    else
      error(e.loc, "unknown name '" + e.text + "'");
    return std::nullopt;
  }
  case Expr::Kind::Int:
  case Expr::Kind::Float:
  case Expr::Kind::String:
  case Expr::Kind::Bool:
  case Expr::Kind::Word:
    error(e.loc, "a tensor is needed here; literals appear only as op "
                 "arguments");
    return std::nullopt;
  case Expr::Kind::Neg:
    error(e.loc, "unary '-' is not defined on tensors");
    return std::nullopt;
  case Expr::Kind::Binary:
    return evalBinary(e);
  case Expr::Kind::Call:
    return evalCall(e);
  }
  return std::nullopt;
}

std::optional<int> Analyzer::evalCall(const Expr &call) {
  if (auto kind = builtinOp(call.text))
    return evalBuiltin(call, *kind);
  auto g = globals.find(call.text);
  bool visible = g != globals.end() && g->second.declIndex < visibleBefore;
  if (visible) {
    auto x = externs.find(call.text);
    if (x != externs.end())
      return evalExtern(call, program.externs[x->second]);
    auto b = blocks.find(call.text);
    if (b != blocks.end())
      return inlineBlock(*b->second.decl, b->second.declIndex, call);
  }
  if ((env && env->count(call.text)) || visible)
    error(call.loc, "'" + call.text + "' is not an op");
  else
    error(call.loc, "unknown op '" + call.text + "'");
  return std::nullopt;
}

bool Analyzer::bindArgs(const Expr &call,
                        llvm::ArrayRef<llvm::StringRef> params, size_t required,
                        BoundArgs &bound) {
  bound.args.assign(params.size(), nullptr);
  if (call.operands.size() > params.size())
    return error(call.operands[params.size()]->loc,
                 "too many arguments to '" + call.text + "': it takes " +
                     std::to_string(params.size()));
  for (size_t i = 0; i < call.operands.size(); ++i)
    bound.args[i] = call.operands[i].get();
  for (const ast::NamedArg &arg : call.named) {
    auto it = llvm::find(params, arg.name);
    if (it == params.end())
      return error(arg.loc, "'" + call.text + "' has no argument named '" +
                                arg.name + "'");
    size_t i = it - params.begin();
    if (bound.args[i])
      return error(arg.loc, "argument '" + arg.name + "' of '" + call.text +
                                "' is given twice");
    bound.args[i] = arg.value.get();
  }
  for (size_t i = 0; i < required; ++i)
    if (!bound.args[i])
      return error(call.loc, "missing argument '" + params[i] +
                                 "' in call to '" + call.text + "'");
  return true;
}

std::optional<int> Analyzer::inlineBlock(const ast::BlockDecl &block,
                                         size_t declIndex, const Expr &call) {
  if (callStack.size() >= static_cast<size_t>(kMaxInlineDepth)) {
    error(call.loc, "blocks nested too deeply");
    return std::nullopt;
  }
  if (ops + minOps(block) > kMaxOps) {
    error(call.loc, "the model is too large: inlining '" + call.text +
                        "' makes more than " + std::to_string(kMaxOps) +
                        " ops");
    return std::nullopt;
  }
  llvm::SmallVector<llvm::StringRef, 4> names;
  for (const ast::Param &p : block.params)
    names.push_back(p.name);
  BoundArgs bound;
  if (!bindArgs(call, names, names.size(), bound))
    return std::nullopt;
  // Arguments are evaluated in the caller's scope, left to right.
  llvm::StringMap<Binding> blockEnv;
  for (size_t i = 0; i < names.size(); ++i) {
    const Expr &arg = *bound.args[i];
    Binding b;
    if (isConstExpr(arg)) {
      auto v = evalConstant(arg);
      if (!v)
        return std::nullopt;
      b = Binding{false, -1, *v};
    } else {
      auto v = evalTensor(arg);
      if (!v)
        return std::nullopt;
      b = Binding{true, *v, {}};
    }
    blockEnv[names[i]] = b;
  }
  llvm::StringMap<Binding> *savedEnv = env;
  size_t savedVisible = visibleBefore;
  env = &blockEnv;
  visibleBefore = declIndex;
  callStack.push_back(call.loc);
  std::optional<int> result;
  if (runStmts(llvm::ArrayRef(block.body).drop_back(), /*topLevel=*/false))
    result = evalTensor(*block.body.back().value);
  callStack.pop_back();
  env = savedEnv;
  visibleBefore = savedVisible;
  return result;
}

std::optional<Program> pipe::dsl::analyze(const ast::File &file,
                                          llvm::ArrayRef<Override> overrides,
                                          llvm::SourceMgr &sm,
                                          mlir::MLIRContext *ctx) {
  return Analyzer(file, overrides, sm, ctx).run();
}
