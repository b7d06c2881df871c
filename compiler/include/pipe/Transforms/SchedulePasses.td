//===- SchedulePasses.td - The schedule passes (pipe-schedule, pipe-verify-schedule, ...) ===//
//
// Included from Passes.td; declare passes here with include "mlir/Pass/PassBase.td".
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_SCHEDULEPASSES_TD
#define PIPE_TRANSFORMS_SCHEDULEPASSES_TD

include "mlir/Pass/PassBase.td"

#endif // PIPE_TRANSFORMS_SCHEDULEPASSES_TD
