//===- PartitionPasses.td - The cost model and partition passes (pipe-partition, ...) ===//
//
// Included from Passes.td; declare passes here with include "mlir/Pass/PassBase.td".
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_PARTITIONPASSES_TD
#define PIPE_TRANSFORMS_PARTITIONPASSES_TD

include "mlir/Pass/PassBase.td"

#endif // PIPE_TRANSFORMS_PARTITIONPASSES_TD
