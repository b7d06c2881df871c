//===- JobGen.h - MLIRGen of the ops beside the model (internal) ---------===//
#ifndef PIPE_LIB_MLIRGEN_JOBGEN_H
#define PIPE_LIB_MLIRGEN_JOBGEN_H

#include "mlir/IR/Builders.h"
#include "pipe/dsl/Model.h"

namespace pipe::detail {

/// The location of a front-end node, or `fallback` when it has none.
mlir::Location locOr(mlir::LocationAttr loc, mlir::Location fallback);

/// One pipe.extern_op per `extern op` declaration, at the builder's point.
void genExterns(mlir::OpBuilder &b, const dsl::Program &program,
                mlir::Location fallback);
/// pipe.strategy for the `pipeline` block (defaults already applied).
void genStrategy(mlir::OpBuilder &b, const dsl::Strategy &strategy,
                 mlir::Location fallback);
/// pipe.train for the `train` block (defaults already applied).
void genTrain(mlir::OpBuilder &b, const dsl::Train &train, mlir::Location loc);

} // namespace pipe::detail

#endif // PIPE_LIB_MLIRGEN_JOBGEN_H
