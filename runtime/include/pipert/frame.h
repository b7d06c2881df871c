// pipert/frame.h: what a generated stage function sees during one F, B or W
// call.
#pragma once

#include "pipert/spec.h"

namespace pipert {

class StageRunner; // runtime-internal: owns the buffers a frame points into

/// Valid only during one call of a StageFn. All pointers are device pointers on
/// the cuda backend (enqueue work on ctx.stream) and host pointers on the host
/// backend.
struct StageFrame {
  const pipeops::Context
      &ctx;        ///< backend, storage dtype, stream, cuBLASLt handle, threads
  int stage;       ///< global stage index
  int mb;          ///< micro-batch index within the step, in [0, microbatches)
  ActionKind kind; ///< F, B or W
  std::byte *slot; ///< this (stage, mb)'s arena, StageSpec::slotBytes
  std::byte
      *scratch; ///< StageSpec::scratchBytes, shared by all actions of the stage
  /// dLoss for the loss op: 1 / (microbatches * dataParallel), so the summed
  /// gradient is the gradient of the mean loss over the step's global batch.
  float lossScale;
  /// One float (device memory on cuda) the loss cell writes with this
  /// micro-batch's mean loss. Only meaningful on the last stage.
  float *loss;

  /// Model input i of this micro-batch: batch x sampleDims elements of
  /// InputSpec::type (int32 or f32; inputs are never converted to bf16), rows
  /// in sample order.
  const void *input(int i) const;
  /// Working copy of global parameter k (must belong to this stage): ctx.dtype
  /// storage on cuda (bf16 bits under bf16), f32 on the host.
  void *param(int k) const;
  /// f32 gradient of global parameter k; accumulate into it (+=).
  float *grad(int k) const;
  /// Profiling marks around each cell's work in this action (no-ops unless
  /// --profile).
  void beginCell(int cell);
  void endCell(int cell);

  StageRunner *runner; ///< runtime-internal
};

} // namespace pipert
