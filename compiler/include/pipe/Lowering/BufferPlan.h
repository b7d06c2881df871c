//===- BufferPlan.h - Every buffer of every stage, placed at compile time -===//
//
// For one stage (a contiguous run of cells) the buffer plan gives each value
// its forward buffer and its gradient buffer, and each op its `saved` and
// `wsaved` buffers, as byte offsets into the stage's per-micro-batch slot (or
// its scratch, for activations a recomputing stage does not keep). The layout
// of a slot is
//
//   [act in | act out | activations | saved | grad out | grad in | grads |
//   wsaved]
//
// where `act in` holds the boundary values received from the previous stage
// and `act out` the values sent to the next, in the same order on both sides
// of a cut (values in definition order), so a transfer is one contiguous copy.
// Float elements are planned at 4 bytes whatever the precision, because the
// host backend always stores f32 (see README, "Decisions").
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_LOWERING_BUFFERPLAN_H
#define PIPE_LOWERING_BUFFERPLAN_H

#include "pipe/Dialect/PipeOps.h"
#include "llvm/ADT/DenseMap.h"
#include <vector>

namespace pipe::lowering {

struct Buffer {
  int64_t offset = -1; ///< -1: no buffer
  int64_t bytes = 0;
  bool scratch = false; ///< in the stage's scratch instead of the slot
  bool valid() const { return offset >= 0; }
};

struct StageBuffers {
  int begin = 0, end = 0; ///< cells [begin, end)
  std::vector<mlir::Value> inBoundary, outBoundary;
  llvm::DenseMap<mlir::Value, Buffer> act, grad;
  llvm::DenseMap<mlir::Operation *, Buffer> saved, wsaved;
  /// Values received and sent on (defined before this stage, used after it):
  /// their copy in `act out` and their gradient's slot in `grad in`; their
  /// `act` and `grad` entries are the `act in` / `grad out` buffers.
  llvm::DenseMap<mlir::Value, int64_t> passActOut, passGradIn;
  int64_t actInOffset = 0, actInBytes = 0, actOutOffset = 0, actOutBytes = 0;
  int64_t gradOutOffset = 0, gradInOffset = 0;
  int64_t slotBytes = 0, scratchBytes = 0;
};

/// The value a use refers to (pipe::sourceValue): a cell's or stage's result
/// resolves to the value yielded, a stage argument to the value passed in,
/// so every value is identified by the op (or model input) defining it.
mlir::Value canonical(mlir::Value v);

/// The index of the cell `op` is or sits in (the model's return op counts as
/// the last cell).
int cellIndex(ModelOp model, mlir::Operation *op);

/// Elements of a model tensor with the batch dim bound to `batch`.
int64_t numElements(mlir::Type type, int64_t batch);

/// Values defined (not model inputs) in cells before `cut` and used in cells
/// at or after it, in definition order: what would cross a cut placed before
/// cell `cut` (any cell, not only a stage's first; the profile's send times).
std::vector<mlir::Value> boundaryValues(ModelOp model, int cut);

/// Plans one outlined stage, micro-batch size `batch`; its boundaries are
/// the stage's arguments and results. With `recompute`, activations and
/// saved buffers go to scratch (backward recomputes them) and only
/// boundaries and gradients stay in the slot.
StageBuffers planStage(StageOp stage, int64_t batch, bool recompute);

/// Floats an op saves in forward for backward, and that its input-gradient
/// pass leaves for its weight-gradient pass, as the op states them
/// (ModelOpInterface, the op library's *_saved_floats).
int64_t savedFloats(mlir::Operation *op, int64_t batch);
int64_t wsavedFloats(mlir::Operation *op, int64_t batch);

} // namespace pipe::lowering

#endif // PIPE_LOWERING_BUFFERPLAN_H
