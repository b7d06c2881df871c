//===- PipeProgramOps.td - Per-rank program ops of the pipe dialect ------===//
//
// Owned by the schedule/lowering work (H6): the ops that describe what each
// rank runs (forward/backward/weight-gradient actions, sends and receives).
// Included from PipeOps.td, so these are ops of the same `pipe` dialect;
// their C++ (verifiers, builders) goes in compiler/lib/Dialect/PipeProgramOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PROGRAM_OPS_TD
#define PIPE_PROGRAM_OPS_TD

#endif // PIPE_PROGRAM_OPS_TD
