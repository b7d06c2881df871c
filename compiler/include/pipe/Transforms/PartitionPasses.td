//===- PartitionPasses.td - The cost model and partition passes -----------===//
//
// Included from Passes.td: pipe-partition, which costs every cell and splits
// the cells into the strategy's stages.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_PARTITIONPASSES_TD
#define PIPE_TRANSFORMS_PARTITIONPASSES_TD

include "mlir/Pass/PassBase.td"

def PipePartition : Pass<"pipe-partition", "::mlir::ModuleOp"> {
  let summary = "Cost every cell and split the cells into pipeline stages";
  let description = [{
    Estimates each `pipe.cell`'s forward, input-gradient and weight-gradient
    time, its parameter/gradient/optimizer-state bytes, the activations its
    backward keeps and the bytes crossing a cut after it, with the cost model
    (`plan::estimateCellCosts`) on the strategy's `device` (a built-in
    profile or a device-profile JSON file), `precision`, micro-batch size
    `batch` and the `pipe.train` optimizer. With `profile`, the measured
    times of that `--profile` JSON file replace the estimated ones (memory
    stays estimated).

    Then it splits the cells into ranks x virtual contiguous stages, placed
    as language.md says (stage s on rank s mod ranks; zb-v's V), by the
    strategy's `partition`: `balanced` (the split minimising the largest
    stage time among those that fit every rank's memory, exact), `uniform`
    (equal cell counts, the first stages one more) or `manual` (the listed
    counts). Memory counts each stage's state plus its kept activations
    times the micro-batches the schedule holds in flight on it
    (`plan::scheduleInFlight`, the schedule's real peak).

    The result is recorded as `StagePlanIR.h` says: a `pipe.cost`
    dictionary on every cell, and each stage's cells outlined into one
    `pipe.stage @sN rank R` op of the model whose arguments are the values
    crossing the cut before it and whose results are the values crossing
    the cut after it (the last stage's is the loss). A model that already
    has stages is flattened first, so the pass can run again.

    ```mlir
    pipe.model @mlp(%x: tensor<?x64xf32>, %y: tensor<?x16xf32>) -> tensor<f32> {
      %h = pipe.stage @s0 rank 0 {
        %h_0 = pipe.cell "h = relu(...)" {
          ...
        } {pipe.cost = {act_bytes = 16384 : i64, bwd_us = 3.2 : f64,
                        cut_bytes = 16384 : i64, fwd_us = 2.1 : f64, ...}}
          : tensor<?x256xf32>
        pipe.yield %h_0 : tensor<?x256xf32>
      } : tensor<?x256xf32>
      %loss = pipe.stage @s1 rank 1 ins(%h : tensor<?x256xf32>) {
      ^bb0(%h_0: tensor<?x256xf32>):
        ...
      } : tensor<f32>
      pipe.return %loss : tensor<f32>
    }
    ```

    Errors, at the `pipe.strategy` (the `pipeline` block): no split fits
    the device's memory (naming the rank, its need and the capacity in GiB,
    with a suggestion), a bad `manual` list, a bad device-profile file
    (naming the field); at the `pipe.model`: a bad `profile` file or one
    whose cell count differs from the model's.
  }];
  let options = [
    Option<"profile", "profile", "std::string", /*default=*/"\"\"",
           "Measured per-cell costs (pipec's --profile FILE): "
           "{\"cells\": [{\"fwd_us\", \"bwd_us\", \"wgrad_us\", \"send_us\"}"
           ", ...]}, one entry per cell">,
  ];
}

#endif // PIPE_TRANSFORMS_PARTITIONPASSES_TD
