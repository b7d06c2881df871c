//===- LoweringPasses.td - The lowering passes (to per-rank programs, to EmitC) ===//
//
// Included from Passes.td; declare passes here with include "mlir/Pass/PassBase.td".
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_LOWERINGPASSES_TD
#define PIPE_TRANSFORMS_LOWERINGPASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertPipeToEmitC : Pass<"convert-pipe-to-emitc", "::mlir::ModuleOp"> {
  let summary = "Lower a partitioned, scheduled model to an EmitC program";
  let description = [{
    Reads the model, the strategy, the train setup, the `pipe.stage` ops
    outlined by `pipe-partition` and the per-rank programs built by
    `pipe-schedule`, and converts one stage op at a time: it plans every
    buffer of the stage (a per-micro-batch slot with the boundary
    activations first, the stage's arguments and results, then
    activations, saved buffers and gradients, each at a byte offset fixed
    here), and replaces the module's contents with EmitC:
    `stageN_forward`, `stageN_backward` (and `stageN_wgrad` for zero-bubble
    schedules) calling the op library, `makeSpec()` stating the plan as data,
    and `main`. `mlir-translate`-style C++ comes from emitc's C++ emitter.

    ```mlir
    emitc.func static @stage0_forward(%arg0: !emitc.opaque<"pipert::StageFrame&">) {
      %0 = emitc.call_opaque "pipert::gen::context"(%arg0) : ...
      emitc.call_opaque "pipeops::linear_forward"(%0, %1, %2, %3) {args = [...]} : ...
      emitc.return
    }
    ```
  }];
  let dependentDialects = ["::mlir::emitc::EmitCDialect"];
}

#endif // PIPE_TRANSFORMS_LOWERINGPASSES_TD
