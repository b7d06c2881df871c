//===- PipeOps.h - The ops of the pipe dialect (include this one) --------===//
#ifndef PIPE_DIALECT_PIPEOPS_H
#define PIPE_DIALECT_PIPEOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "pipe/Dialect/OpFacts.h"
#include "pipe/Dialect/PipeDialect.h"
#include "pipe/Dialect/PipeEnums.h"

#define GET_ATTRDEF_CLASSES
#include "pipe/Dialect/PipeAttrs.h.inc"

#include "pipe/Dialect/PipeOpInterfaces.h.inc"

namespace pipe {
class CellOp;
class ReturnOp;
class StageOp;
class YieldOp;
} // namespace pipe

#define GET_OP_CLASSES
#include "pipe/Dialect/PipeOps.h.inc"

namespace pipe {
/// The value a use inside the model refers to, seen through the structure:
/// a cell's or a stage's result resolves to the value it yields, a stage's
/// argument to the value passed in, so every value is identified by the op
/// (or model input) defining it, before or after pipe-partition.
mlir::Value sourceValue(mlir::Value v);
} // namespace pipe

#endif // PIPE_DIALECT_PIPEOPS_H
