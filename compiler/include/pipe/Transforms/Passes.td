//===- Passes.td - All passes of the pipe compiler ------------------------===//
//
// Each pass is named pipe-<verb>, declared in the .td of the work it belongs
// to, and built from one .cpp in compiler/lib/Transforms.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_PASSES_TD
#define PIPE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"
include "pipe/Transforms/PartitionPasses.td"
include "pipe/Transforms/SchedulePasses.td"
include "pipe/Transforms/LoweringPasses.td"
include "pipe/Transforms/ExternPasses.td"

#endif // PIPE_TRANSFORMS_PASSES_TD
