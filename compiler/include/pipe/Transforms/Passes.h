//===- Passes.h - Declarations and registration of the pipe passes -------===//
#ifndef PIPE_TRANSFORMS_PASSES_H
#define PIPE_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "pipe/Dialect/PipeOps.h"

namespace pipe {
namespace plan {
struct PlanInfo;
} // namespace plan

#define GEN_PASS_DECL
#include "pipe/Transforms/Passes.h.inc"

/// convert-pipe-to-emitc given the module's plan (buildPlanInfo of the same
/// module), which the pass then reads instead of building it again. `plan`
/// must outlive the pass.
std::unique_ptr<mlir::Pass>
createConvertPipeToEmitC(const plan::PlanInfo &plan);

/// pipe-auto-schedule's ranked table of candidates: a string attribute on
/// the module, which pipec prints (and removes) before planning.
constexpr llvm::StringLiteral kAutoReportAttr = "pipe.auto_report";

/// Registers every pipe-* pass with the global registry (for pipe-opt and
/// the pipec driver's pipelines).
void registerPipePasses();

} // namespace pipe

#endif // PIPE_TRANSFORMS_PASSES_H
