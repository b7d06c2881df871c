//===- PipeDialect.h - The pipe dialect class and its op traits ----------===//
#ifndef PIPE_DIALECT_PIPEDIALECT_H
#define PIPE_DIALECT_PIPEDIALECT_H

#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"

#include "pipe/Dialect/PipeDialect.h.inc"

namespace pipe::OpTrait {
/// Ops that may appear inside a pipe.cell: the model's maths.
template <typename ConcreteType>
class ComputeOp : public mlir::OpTrait::TraitBase<ConcreteType, ComputeOp> {};
} // namespace pipe::OpTrait

#endif // PIPE_DIALECT_PIPEDIALECT_H
