//===- LoweringPasses.td - The lowering passes (to per-rank programs, to EmitC) ===//
//
// Included from Passes.td; declare passes here with include "mlir/Pass/PassBase.td".
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_LOWERINGPASSES_TD
#define PIPE_TRANSFORMS_LOWERINGPASSES_TD

include "mlir/Pass/PassBase.td"

#endif // PIPE_TRANSFORMS_LOWERINGPASSES_TD
