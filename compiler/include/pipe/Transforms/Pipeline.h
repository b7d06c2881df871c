//===- Pipeline.h - pipec's pass pipeline up to the plan ------------------===//
//
// pipe-check-extern, pipe-auto-schedule, pipe-partition, pipe-schedule and
// pipe-verify-schedule, in that order: what pipec runs between MLIRGen and
// the plan. Registered as `pipe-compile`, so `pipe-opt --pipe-compile`
// replays exactly pipec's phases on a module and lit can test any of them.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_PIPELINE_H
#define PIPE_TRANSFORMS_PIPELINE_H

#include "mlir/Pass/PassManager.h"

#include <string>

namespace pipe {

struct CompilePipelineOptions {
  std::string profile; ///< measured per-cell costs (pipec --profile)
};

/// Adds the passes above to `pm`.
void buildCompilePipeline(mlir::OpPassManager &pm,
                          const CompilePipelineOptions &options);

/// Registers `pipe-compile` (with its `profile` option).
void registerCompilePipeline();

} // namespace pipe

#endif // PIPE_TRANSFORMS_PIPELINE_H
