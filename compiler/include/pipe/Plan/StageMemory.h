//===- StageMemory.h - The one memory model: buffer plan and rank bytes ---===//
//
// What the generated program allocates, computed without MLIR so the buffer
// plan of the lowering, the partitioner's fit, `auto`, the verifier's memory
// check, the simulator's peak_bytes and the summary all read the same bytes.
//
// A stage's buffer plan (layoutStage) gives every value its forward and
// gradient buffer and every op its `saved` and `wsaved` buffers, as offsets
// into the stage's per-micro-batch slot (or its scratch, for what a
// recomputing stage rebuilds in backward). The slot is
//
//   [act in | act out | activations | saved | grad out | grad in | grads |
//    wsaved]
//
// every buffer 64-byte aligned, every element 4 bytes: the host backend stores
// bf16 as f32, and the cuda backend keeps the same offsets (its bf16 values
// fill half of each 4-byte element), so both allocate the same slot.
//
// A rank then allocates (rankBytes):
//   per stage s on it:  slots_s x slot_s          (one arena per stage)
//                       state_s                    (parameter arrays)
//   once:               max over its stages of scratch_s (shared: a rank
//                       runs one action at a time)
//                       the model inputs of every micro-batch and the losses
//                       cuda only: the cuBLASLt workspace
//   per tied copy on it: the owner's gradient, f32 (tiedExchangeBytes)
// where every allocation is rounded up to 256 bytes, and state_s is, over the
// stage's parameter tensors each padded to 64 floats, 4 bytes for the f32
// master, 4 for its gradient, 8 for AdamW's moments or 4 for SGD momentum,
// and on cuda under bf16 2 more for the bf16 working copy.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_STAGEMEMORY_H
#define PIPE_PLAN_STAGEMEMORY_H

#include "pipe/Plan/CostModel.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pipe::plan {

/// Which backend's allocations the plan counts: `host` for device = cpu,
/// `cuda` otherwise.
enum class MemoryBackend { Host, Cuda };
MemoryBackend memoryBackendFor(const DeviceProfile &device);
const char *memoryBackendName(MemoryBackend backend);

constexpr int64_t kSlotAlign = 64;       ///< every buffer inside a slot
constexpr int64_t kAllocationAlign = 256; ///< every device allocation
constexpr int64_t kParamAlignFloats = 64; ///< every parameter tensor
/// The cuda backend's cuBLASLt workspace, one per rank.
constexpr int64_t kCudaWorkspaceBytes = int64_t(32) << 20;

/// `bytes` rounded up to a multiple of 256 (0 stays 0: nothing allocated).
int64_t allocationBytes(int64_t bytes);
/// A tied copy's buffer for the owner's gradient (f32), which the rank holding
/// the copy allocates whether or not the owner is on the same rank.
inline int64_t tiedExchangeBytes(int64_t elements) {
  return allocationBytes(4 * elements);
}
/// A value's buffer in a slot: 4 bytes per element, 64-byte aligned.
int64_t slotBufferBytes(const TensorDesc &value);

struct BufferRange {
  int64_t offset = -1; ///< -1: no buffer
  int64_t bytes = 0;
  bool scratch = false; ///< in the stage's scratch instead of the slot
};

/// One stage's buffer plan, by value id and by op (cell, index in cell).
struct StageLayout {
  std::vector<int> inBoundary, outBoundary;
  std::map<int, BufferRange> act, grad;
  std::map<std::pair<int, int>, BufferRange> saved, wsaved;
  /// Values received and sent on: their copy in `act out` and their
  /// gradient's slot in `grad in`.
  std::map<int, int64_t> passActOut, passGradIn;
  int64_t actInOffset = 0, actInBytes = 0, actOutOffset = 0, actOutBytes = 0;
  int64_t gradOutOffset = 0, gradInOffset = 0;
  int64_t slotBytes = 0, scratchBytes = 0;
};

/// Values defined in cells before `cut` (as cell results) and used by a cell
/// at or after it, or returned by the model, in definition order.
std::vector<int> boundaryIds(const ModelDesc &model, int cut);

/// The buffer plan of cells [begin, end) (see the file comment); with
/// `recompute`, activations and saved buffers go to scratch. The boundaries
/// are boundaryIds(begin) and boundaryIds(end) unless given (the outlined
/// stage's arguments and results, the same values).
StageLayout layoutStage(const ModelDesc &model, int begin, int end,
                        bool recompute, const std::vector<int> *in = nullptr,
                        const std::vector<int> *out = nullptr);

/// The slot and scratch bytes of any interval [b, e) in O(boundary + inputs)
/// time, equal to layoutStage's (a unit test checks every interval).
class StageMemoryTable {
public:
  StageMemoryTable() = default;
  StageMemoryTable(const ModelDesc &model, bool recompute);
  int64_t slotBytes(int b, int e) const;
  int64_t scratchBytes(int b, int e) const;
  /// At least slotBytes(b, e) for every interval.
  int64_t slotUpperBound() const;
  int numCells() const { return n; }

private:
  struct Crossing {
    int value;
    int defCell; ///< -1: not defined by an op
    int64_t bytes, slotPart, scratchPart;
  };
  int n = 0;
  bool recompute = false;
  /// Prefix sums over cells of each op's own slot and scratch buffers.
  std::vector<int64_t> slotPre, scratchPre;
  std::vector<std::vector<Crossing>> cuts; ///< per cut 0..n
  /// Per float model input read by ops: its buffer and the cells reading it.
  std::vector<std::pair<int64_t, std::vector<int>>> inputUses;
};

/// What a rank holds besides its stages: every micro-batch's model inputs,
/// the losses, and on cuda the cuBLASLt workspace.
int64_t rankBaseBytes(const ModelDesc &model, int microbatches,
                      MemoryBackend backend);

/// Bytes per (padded) parameter float of the parameter arrays: master,
/// gradient, optimizer state, and the cuda bf16 working copy.
int64_t stateBytesPerParamFloat(MemoryBackend backend, Precision precision,
                                Optimizer optimizer);

/// A tensor's floats as the runtime lays parameters out (64-float padding).
int64_t paddedParamFloats(int64_t elements);

} // namespace pipe::plan

#endif // PIPE_PLAN_STAGEMEMORY_H
