//===- Phases.cpp - pipec's phase steps and --emit kinds -----------------===//
#include "pipe/Driver/Compilation.h"
#include "pipe/MLIRGen/MLIRGen.h"
#include "pipe/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;

namespace pipe::driver {

//===----------------------------------------------------------------------===//
// Phases
//===----------------------------------------------------------------------===//

static LogicalResult parsePhase(Compilation &c) {
  c.ast = dsl::parseFile(c.sourceMgr, &c.context);
  return success(c.ast != nullptr);
}

static LogicalResult analyzePhase(Compilation &c) {
  c.program =
      dsl::analyze(*c.ast, c.options.overrides, c.sourceMgr, &c.context);
  return success(c.program.has_value());
}

static LogicalResult generatePhase(Compilation &c) {
  c.module = mlirGen(c.context, *c.program);
  if (!c.module)
    return failure();
  // The extern ops' files are checked whatever is emitted; when the
  // compilation goes on to partition, the pipe-compile pipeline checks them.
  if (c.lastPhase >= Phase::Partition)
    return success();
  PassManager pm(&c.context);
  pm.addPass(createPipeCheckExtern());
  return pm.run(*c.module);
}

ArrayRef<PhaseStep> phaseSteps() {
  static const PhaseStep steps[] = {
      {Phase::Parse, "parse", parsePhase},
      {Phase::Analyze, "analyze", analyzePhase},
      {Phase::Generate, "mlirgen", generatePhase},
      {Phase::Partition, "partition", partitionPhase},
      {Phase::Plan, "plan", planPhase},
      {Phase::Codegen, "codegen", codegenPhase},
  };
  return steps;
}

LogicalResult runPhases(Compilation &c, Phase last) {
  c.lastPhase = last;
  for (const PhaseStep &step : phaseSteps()) {
    if (step.phase > last)
      break;
    if (failed(step.run(c)))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Emit kinds
//===----------------------------------------------------------------------===//

static LogicalResult emitAST(Compilation &c, raw_ostream &os) {
  dsl::printAST(*c.ast, os);
  return success();
}

static LogicalResult emitMLIR(Compilation &c, raw_ostream &os) {
  // With locations: cells keep their source positions through pipe-opt and
  // later passes (plan "loc" fields, diagnostics).
  c.module->print(os, OpPrintingFlags().enableDebugInfo(
                          /*enable=*/true, /*prettyForm=*/false));
  os << '\n';
  return success();
}

ArrayRef<EmitKind> emitKinds() {
  static const EmitKind kinds[] = {
      {"ast", Phase::Parse, emitAST, "ast.txt"},
      {"mlir", Phase::Generate, emitMLIR, "model.mlir"},
      {"partitioned", Phase::Partition, emitPartitioned, "partitioned.mlir"},
      {"plan", Phase::Plan, emitPlan, "plan.json"},
      {"timeline", Phase::Plan, emitTimeline, "timeline.txt"},
      {"trace", Phase::Plan, emitTrace, "trace.json"},
      {"cpp", Phase::Codegen, emitCpp, "model.cpp"},
  };
  return kinds;
}

const EmitKind *lookupEmitKind(StringRef name) {
  for (const EmitKind &kind : emitKinds())
    if (kind.name == name)
      return &kind;
  return nullptr;
}

} // namespace pipe::driver
