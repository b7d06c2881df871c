//===- Compilation.h - pipec's phases and the --emit kinds they feed -----===//
//
// A compilation runs named phases in order and stops at the latest one the
// requested outputs need; each --emit kind names its phase and an emitter.
// Extending pipec means adding a phase step and/or an emit-kind row.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DRIVER_COMPILATION_H
#define PIPE_DRIVER_COMPILATION_H

#include "pipe/Driver/Driver.h"
#include "pipe/dsl/AST.h"
#include "pipe/dsl/Model.h"
#include "pipe/Plan/PlanJson.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"
#include <memory>
#include <optional>

namespace pipe::driver {

/// The phases of pipec, in the order they run.
enum class Phase {
  Parse,     ///< .pipe text -> AST
  Analyze,   ///< AST -> checked dsl::Program (always run: every input error)
  Generate,  ///< Program -> pipe dialect (MLIRGen)
  Partition, ///< partition + schedule passes
  Plan,      ///< cost model, simulation, plan
  Codegen,   ///< lowering and C++ emission
};

/// Everything the phases have produced so far, for later phases and emitters.
struct Compilation {
  Compilation(const Options &options, llvm::SourceMgr &sourceMgr,
              mlir::MLIRContext &context)
      : options(options), sourceMgr(sourceMgr), context(context) {}
  const Options &options;
  llvm::SourceMgr &sourceMgr;
  mlir::MLIRContext &context;
  Phase lastPhase = Phase::Codegen; ///< the last phase this run goes to
  std::unique_ptr<dsl::ast::File> ast;
  std::optional<dsl::Program> program;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::optional<plan::PlanInfo> plan; ///< after Phase::Plan
  std::string cpp;                    ///< after Phase::Codegen
  /// schedule = auto: the ranked candidates (pipe-auto-schedule), printed
  /// before the summary; empty for a fixed schedule.
  std::string autoReport;
  std::string bufferPlan; ///< its report, after Phase::Codegen
};

/// Runs one phase on a compilation whose earlier phases have run; failure
/// means diagnostics were emitted.
using PhaseFn = mlir::LogicalResult (*)(Compilation &);
struct PhaseStep {
  Phase phase;
  llvm::StringLiteral name;
  PhaseFn run;
};
/// The phase steps, in order.
llvm::ArrayRef<PhaseStep> phaseSteps();

/// Writes one output of a finished compilation.
using EmitFn = mlir::LogicalResult (*)(Compilation &, llvm::raw_ostream &);
struct EmitKind {
  llvm::StringLiteral name; ///< --emit=NAME
  Phase needs;              ///< the last phase it reads
  EmitFn emit;
  llvm::StringLiteral fileName; ///< its file under -o DIR
};
/// Every --emit kind.
llvm::ArrayRef<EmitKind> emitKinds();
/// The row for `name`, or nullptr.
const EmitKind *lookupEmitKind(llvm::StringRef name);

// The partition, plan and codegen phases and their emitters (PlanPhases.cpp).
mlir::LogicalResult partitionPhase(Compilation &c);
mlir::LogicalResult planPhase(Compilation &c);
mlir::LogicalResult codegenPhase(Compilation &c);
mlir::LogicalResult emitPartitioned(Compilation &c, llvm::raw_ostream &os);
mlir::LogicalResult emitPlan(Compilation &c, llvm::raw_ostream &os);
mlir::LogicalResult emitSummary(Compilation &c, llvm::raw_ostream &os);
mlir::LogicalResult emitTimeline(Compilation &c, llvm::raw_ostream &os);
mlir::LogicalResult emitTrace(Compilation &c, llvm::raw_ostream &os);
mlir::LogicalResult emitCpp(Compilation &c, llvm::raw_ostream &os);
/// The generated project's CMakeLists.txt.
mlir::LogicalResult emitProjectCMake(Compilation &c, llvm::raw_ostream &os);
/// Whether the model has extern ops, and their generated files
/// (extern_ops.h, extern_ops_host.cpp, extern_ops.cu).
bool hasExternOps(Compilation &c);
mlir::LogicalResult emitExternOpsHeader(Compilation &c, llvm::raw_ostream &os);
mlir::LogicalResult emitExternOpsHost(Compilation &c, llvm::raw_ostream &os);
mlir::LogicalResult emitExternOpsCuda(Compilation &c, llvm::raw_ostream &os);

/// Runs every phase up to and including `last`, stopping at the first failure.
mlir::LogicalResult runPhases(Compilation &compilation, Phase last);

} // namespace pipe::driver

#endif // PIPE_DRIVER_COMPILATION_H
