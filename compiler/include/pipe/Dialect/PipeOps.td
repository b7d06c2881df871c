//===- PipeOps.td - All ops of the pipe dialect ---------------------------===//
//
// One tablegen entry point for the dialect's ops: the model structure, the
// built-in maths ops, the strategy/train/extern declarations, and the per-rank
// program ops that the schedule lowering adds.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_OPS_TD
#define PIPE_OPS_TD

include "pipe/Dialect/PipeDialect.td"
include "pipe/Dialect/PipeModelOps.td"
include "pipe/Dialect/PipeMathOps.td"
include "pipe/Dialect/PipeJobOps.td"
include "pipe/Dialect/PipeProgramOps.td"

#endif // PIPE_OPS_TD
