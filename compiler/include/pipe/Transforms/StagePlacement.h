//===- StagePlacement.h - What the schedule passes read of the strategy ---===//
//
// The module's pipe.strategy and each stage's rank, shared by pipe-schedule
// and pipe-verify-schedule.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_STAGEPLACEMENT_H
#define PIPE_TRANSFORMS_STAGEPLACEMENT_H

#include "pipe/Dialect/PipeOps.h"

#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace pipe {

/// The module's single pipe.strategy, checked small enough to schedule
/// (ranks x virtual x micro-batches actions fit in memory); a located error
/// naming `pass` otherwise.
mlir::FailureOr<StrategyOp> getStrategy(mlir::ModuleOp module,
                                        llvm::StringRef pass);

/// Each stage's rank, from the `pipe.stage` ops pipe-partition outlined
/// (the programs name them). They must be ranks x virtual stages on the
/// schedule's standard placement (language.md fixes it by the schedule, and
/// the schedule builders rely on it); a located error at the module, the
/// model or the stage otherwise.
mlir::FailureOr<std::vector<int>> readStagePlacement(mlir::ModuleOp module,
                                                     StrategyOp strategy);

} // namespace pipe

#endif // PIPE_TRANSFORMS_STAGEPLACEMENT_H
