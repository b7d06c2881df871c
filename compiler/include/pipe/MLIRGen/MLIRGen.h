//===- MLIRGen.h - The checked front-end model to the pipe dialect -------===//
#ifndef PIPE_MLIRGEN_MLIRGEN_H
#define PIPE_MLIRGEN_MLIRGEN_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "pipe/dsl/Model.h"

namespace pipe {

/// Builds a module holding the program's extern declarations, its model
/// (one pipe.cell per cell, at the cell's location; ops keep their CallSiteLoc
/// chains), its strategy and its training setup, with `pipe.source` naming
/// the .pipe file. The result is verified; on failure (the front end accepted
/// something the dialect rejects) the verifier's errors are emitted through
/// the context and null is returned.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context,
                                          const dsl::Program &program);

} // namespace pipe

#endif // PIPE_MLIRGEN_MLIRGEN_H
