//===- ProgramIR.h - pipe.schedule/pipe.program ops <-> plan::RankProgram -===//
//
// The one translation between the per-rank program ops in the IR and the
// plain structs the planning algorithms use. The ops name stages by their
// pipe.stage names, the structs by the stages' positions in the model; both
// name the stage on the action's own rank (plan::Action), so nothing else
// changes between them.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_PROGRAMIR_H
#define PIPE_TRANSFORMS_PROGRAMIR_H

#include "pipe/Dialect/PipeOps.h"
#include "pipe/Plan/Plan.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace pipe {

/// Each rank's program read from the module's `pipe.schedule`: element r is
/// rank r's actions in order, stages numbered by position in the model the
/// schedule runs. Fails with a located error when the module has no
/// `pipe.schedule`, more than one, or its programs' ranks are not exactly
/// 0 .. n-1. When `actionOps` is given, (*actionOps)[r][i] is the op of
/// action i of rank r (for diagnostics at the action).
mlir::FailureOr<std::vector<plan::RankProgram>>
readPrograms(mlir::ModuleOp module,
             std::vector<std::vector<mlir::Operation *>> *actionOps = nullptr);

/// Builds one `pipe.schedule "<kind>" for @model` at the builder's insertion
/// point with one `pipe.program rank r` per element of `programs`, all at
/// `loc`, naming stage s by the name of `model`'s s-th pipe.stage. Fails
/// (an internal error at `loc`, nothing written) on an action whose stage
/// the model does not have.
mlir::FailureOr<ScheduleOp>
writePrograms(mlir::OpBuilder &builder, mlir::Location loc, ScheduleKind kind,
              ModelOp model, const std::vector<plan::RankProgram> &programs);

/// Erases every `pipe.schedule` of `module`, then writes `programs` as a new
/// one at the module's end (what pipe-schedule does to its output).
mlir::FailureOr<ScheduleOp>
replacePrograms(mlir::ModuleOp module, mlir::Location loc, ScheduleKind kind,
                ModelOp model, const std::vector<plan::RankProgram> &programs);

} // namespace pipe

#endif // PIPE_TRANSFORMS_PROGRAMIR_H
