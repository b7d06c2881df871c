//===- Sema.h - The analyzer behind pipe::dsl::analyze (internal) --------===//
//
// Sema.cpp walks declarations, inlines blocks and unrolls repeats into cells;
// SemaOps.cpp checks calls of built-in and extern ops and infers shapes;
// SemaStrategy.cpp applies `pipeline`/`train` keys, --set overrides and the
// strategy rules.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DSL_LIB_SEMA_H
#define PIPE_DSL_LIB_SEMA_H

#include "pipe/dsl/AST.h"
#include "pipe/dsl/ConstEval.h"
#include "pipe/dsl/Frontend.h"
#include "pipe/dsl/Model.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include <map>

namespace pipe::dsl::sema {

/// Limits that keep adversarial input from exhausting time or memory.
constexpr int64_t kMaxStatements = 1 << 20; ///< after unrolling and inlining
constexpr int64_t kMaxOps = 1 << 20;
constexpr int64_t kMaxDim = (int64_t(1) << 31) - 1;
constexpr int64_t kMaxElements = int64_t(1) << 40; ///< per tensor or parameter
constexpr int kMaxInlineDepth = 64;

/// "f32[batch, 64, 256]"; a scalar prints as "f32[]".
std::string str(const TensorType &t);

/// A built-in op's call signature (SemaOps.cpp's table).
struct OpSignature;

/// The built-in op called `name` (not `+`, `*` or extern ops), or null.
const OpSignature *builtinOp(llvm::StringRef name);

/// "x = embedding(...)": a cell's statement, shortened.
std::string cellText(const ast::Stmt &s);

/// Every loss op's result is the returned loss and feeds no other op;
/// otherwise emits an error at the offending op and returns false.
bool checkLossUses(const Model &model);

/// What a local name in a model or block body is bound to.
struct Binding {
  bool isTensor = true;
  int value = -1;      ///< tensor value id
  ConstValue constant; ///< a block parameter bound to a constant
};

/// A call's arguments matched against a callee's parameter names.
struct BoundArgs {
  llvm::SmallVector<const ast::Expr *, 6>
      args; ///< by parameter; null if absent
};

class Analyzer {
public:
  Analyzer(const ast::File &file, llvm::ArrayRef<Override> overrides,
           llvm::SourceMgr &sm, mlir::MLIRContext *ctx);
  std::optional<Program> run();

private:
  // Diagnostics and constants (Sema.cpp).
  mlir::Location locate(ast::Loc loc) const;
  mlir::Location fileLoc(ast::Loc loc) const;
  bool error(ast::Loc loc, const llvm::Twine &message);
  std::optional<ConstValue> evalConstant(const ast::Expr &e);
  std::optional<int64_t> evalInt(const ast::Expr &e, llvm::StringRef what,
                                 int64_t min);
  ConstLookupResult lookupConst(llvm::StringRef name) const;
  bool isConstExpr(const ast::Expr &e) const;
  bool defineGlobal(llvm::StringRef name, ast::Loc loc, llvm::StringRef what);

  // Declarations and bodies (Sema.cpp).
  bool analyzeConst(const ast::ConstDecl &d);
  bool analyzeExtern(const ast::ExternDecl &d);
  bool analyzeModel(const ast::ModelDecl &d);
  bool analyzeInput(const ast::InputDecl &in);
  bool runStmts(llvm::ArrayRef<ast::Stmt> body, bool topLevel);
  bool runStmt(const ast::Stmt &s, bool topLevel);
  std::optional<int> evalTensor(const ast::Expr &e);
  std::optional<int> evalCall(const ast::Expr &call);
  std::optional<int> inlineBlock(const ast::BlockDecl &block, size_t declIndex,
                                 const ast::Expr &call);
  void beginCell(const ast::Stmt &s);
  int newValue(TensorType type);
  bool addOp(OpNode op, ast::Loc loc);
  bool bindArgs(const ast::Expr &call, llvm::ArrayRef<llvm::StringRef> params,
                size_t required, BoundArgs &bound);

  // Ops and shapes (SemaOps.cpp).
  std::optional<int> evalBuiltin(const ast::Expr &call, const OpSignature &sig);
  std::optional<int> evalExtern(const ast::Expr &call, const ExternOp &op);
  std::optional<int> evalBinary(const ast::Expr &e);
  bool checkShape(const TensorType &t, ast::Loc loc, llvm::StringRef what);
  /// linear's `tied: E`: sets the `tied` attribute to E's embedding, or
  /// reports at `arg` why E is not one.
  bool tieTo(const ast::Expr &arg, llvm::StringRef what, const OpNode &op,
             mlir::NamedAttrList &attrs);
  /// The tied layer fits its table: no bias, features = vocab, K = dim.
  bool checkTie(const ast::Expr &arg, const OpNode &op);
  /// Runs the dialect's shape rule of `op` on its operands; reports a broken
  /// rule at `loc`.
  bool inferType(OpNode &op, ast::Loc loc, TensorType &out);
  /// inferType, then the result's size check and the op's result value.
  std::optional<int> addChecked(OpNode op, ast::Loc loc);

  // Strategy and training (SemaStrategy.cpp).
  bool analyzeSections();
  bool collectEntry(const ast::KeyValue &kv, bool fromOverride);
  bool applyPipelineKey(const ast::KeyValue &kv);
  bool applyTrainKey(const ast::KeyValue &kv);
  bool checkStrategyRules();
  bool checkData(const ast::KeyValue &kv);
  // lr_schedule, clip_grad and eval keys (SemaRecipe.cpp).
  bool applyRecipeKey(const ast::KeyValue &kv);
  bool applyLrSchedule(const ast::Expr &v);
  std::string resolvePath(llvm::StringRef path) const;

  const ast::File &file;
  llvm::ArrayRef<Override> overrides;
  llvm::SourceMgr &sm;
  mlir::MLIRContext *ctx;
  Program program;
  bool failed = false;

  struct GlobalConst {
    ConstValue value;
    size_t declIndex;
  };
  struct GlobalBlock {
    const ast::BlockDecl *decl;
    size_t declIndex;
  };
  struct GlobalName {
    std::string what; ///< "a constant", "a block", "an extern op"
    size_t declIndex;
    ast::Loc loc;
  };
  llvm::StringMap<GlobalConst> consts;
  llvm::StringMap<GlobalBlock> blocks;
  llvm::StringMap<size_t> externs;     ///< index into program.externs
  llvm::StringMap<GlobalName> globals; ///< every declared name
  size_t visibleBefore = 0; ///< globals declared before this decl index

  // The body being analyzed.
  llvm::StringMap<Binding> *env = nullptr;
  llvm::SmallVector<ast::Loc, 8> callStack; ///< outermost first
  size_t cellIndex = 0;
  std::map<std::string, int> opsOfKindInCell;
  /// Each embedding call's result value id and the op (for `tied`).
  std::map<int, OpNode> embeddings;
  int64_t statements = 0, ops = 0;
  // Lower bounds on inlined op counts (SemaSize.cpp), memoised per block.
  int64_t minOps(const ast::Expr &e);
  int64_t minOps(llvm::ArrayRef<ast::Stmt> body);
  int64_t minOps(const ast::BlockDecl &block);
  /// A lower bound on the statements `body` runs, each copy of a repeat
  /// counting itself (as runStmt counts), literal repeat counts multiplied;
  /// saturates past kMaxStatements.
  int64_t minStatements(llvm::ArrayRef<ast::Stmt> body);
  llvm::DenseMap<const ast::BlockDecl *, int64_t> minOpsOfBlock;
  bool sawModel = false;

  // Sections.
  const ast::SectionDecl *pipelineDecl = nullptr, *trainDecl = nullptr;
  llvm::StringMap<const ast::KeyValue *> entries;
  llvm::StringMap<size_t> entryVisibility; ///< const visibility per key
  std::vector<std::unique_ptr<ast::KeyValue>> overrideEntries;
};

} // namespace pipe::dsl::sema

#endif // PIPE_DSL_LIB_SEMA_H
