//===- Partition.h - Splitting cells into pipeline stages ---------------===//
//
// Stages are contiguous runs of cells; stage s runs on rank stageRank[s].
// A stage's time is fwd + bwd + wgrad over its cells, plus its forward again
// under recompute (backward re-runs it). Rank memory, per micro-batch sizes
// from CellCost:
//
//   rank r needs  sum over its stages s of (state_s + inFlight[s] * keep_s)
//                 + max over its stages s of transient_s
//
// With the request's memory table (the generated program's buffer plan,
// StageMemory.h) keep_s is the stage's slot, transient_s its scratch, and the
// rank's base bytes (inputs, losses, workspace) are added: exactly what the
// program allocates. Without one (cells described only by their costs):
//
// state_s = parameters + gradients + optimizer state of the stage's cells;
// without recompute keep_s = the stage's activations (sum of actBytes) and
// transient_s = 0; with recompute keep_s = the stage's input (the bytes
// crossing the cut before it; model inputs come from the loader) and
// transient_s = the stage's activations, rebuilt for one micro-batch at a
// time during its backward. inFlight[s] is how many micro-batches the
// schedule keeps between F and B on stage s (oneFOneBInFlight until the
// schedule supplies its real peak).
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_PARTITION_H
#define PIPE_PLAN_PARTITION_H

#include "pipe/Plan/DeviceProfile.h"
#include "pipe/Plan/Plan.h"
#include "pipe/Plan/StageMemory.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace pipe::plan {

constexpr int64_t kUnlimitedBytes = std::numeric_limits<int64_t>::max();

struct PartitionRequest {
  int ranks = 1;
  /// Rank of each stage; its size is the stage count (ranks * virtual).
  std::vector<int> stageRank;
  bool recompute = false;
  int64_t capacityBytes = kUnlimitedBytes; ///< per rank
  /// Micro-batches alive between F and B, per stage (same size as stageRank):
  /// the slots the generated program allocates for the stage.
  std::vector<int64_t> inFlight;
  /// The model's buffer plan (StageMemory.h). With it a stage keeps
  /// allocationBytes(inFlight x slot) and its transient is its scratch, and
  /// every rank adds rankBaseBytes; without (cells known only by their
  /// costs) keep and transient follow the cells' actBytes as below.
  std::shared_ptr<const StageMemoryTable> memory;
  int64_t rankBaseBytes = 0;
  int numStages() const { return int(stageRank.size()); }
};

/// The 1F1B bound: a stage on rank r keeps min(ranks - r, microbatches).
std::vector<int64_t> oneFOneBInFlight(const std::vector<int> &stageRank,
                                      int ranks, int microbatches);

struct Partition {
  std::vector<int> bounds; ///< stage s is cells [bounds[s], bounds[s+1])
  std::vector<Stage> stages;
  double bottleneckUs = 0;        ///< the largest stage time
  std::vector<int64_t> rankBytes; ///< each rank's memory need (see above)
};

/// The partition's stages, each rank's memory and the bottleneck, with no
/// capacity check. `bounds` must be a valid split (0 = b0 < ... = n).
Partition evaluatePartition(const std::vector<CellCost> &cells,
                            const PartitionRequest &request,
                            std::vector<int> bounds);

/// A stage's time: fwd + bwd + wgrad (+ fwd again under recompute).
double stageTimeUs(const Stage &stage);

/// No split fits: names the rank, its need and the capacity.
class InfeasibleMemoryError : public llvm::ErrorInfo<InfeasibleMemoryError> {
public:
  static char ID;
  InfeasibleMemoryError(int rank, int64_t needBytes, int64_t capacityBytes,
                        bool recompute, std::string what)
      : rank(rank), needBytes(needBytes), capacityBytes(capacityBytes),
        recompute(recompute), what(std::move(what)) {}
  /// "rank 0 needs 91.3 GiB but the device has 80.0 GiB (<what>); use more
  /// ranks, set recompute = true, or a smaller batch"
  std::string text() const;
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  int rank;
  int64_t needBytes, capacityBytes;
  bool recompute;
  std::string what; ///< which split was measured
};

/// The contiguous split minimising the largest stage time among those whose
/// every rank fits capacityBytes: exact (see Partition.cpp for the proof).
/// Errors: more stages than cells (a StringError), or InfeasibleMemoryError.
llvm::Expected<Partition> partitionBalanced(const std::vector<CellCost> &cells,
                                            const PartitionRequest &request);
/// partitionBalanced's search in O(cells x stages) memory, without the
/// (cells + 1)^2 interval table (OneStagePartition.cpp); partitionBalanced
/// takes it above kTableCells cells, where ties may pick another optimal
/// split. Exact when every rank holds one stage (virtual = 1); with stages
/// sharing ranks, exact whenever its relaxation's split fits every rank, and
/// otherwise a StringError saying the model is too large for that search.
/// Errors as partitionBalanced besides.
llvm::Expected<Partition>
partitionBalancedLinear(const std::vector<CellCost> &cells,
                        const PartitionRequest &request);
/// Whether each rank holds exactly one stage.
bool isOneStagePerRank(const PartitionRequest &request);
/// Up to this many cells partitionBalanced keeps its table-based search (so
/// small models' splits, ties included, stay as they were); above it,
/// partitionBalancedLinear.
constexpr size_t kTableCells = 2048;
/// Equal cell counts; the first n mod S stages take one extra cell.
llvm::Expected<Partition> partitionUniform(const std::vector<CellCost> &cells,
                                           const PartitionRequest &request);
/// counts[s] cells in stage s. A list of the wrong length, an entry below 1
/// or a sum other than the cell count is a StringError saying which.
llvm::Expected<Partition> partitionManual(const std::vector<CellCost> &cells,
                                          const PartitionRequest &request,
                                          const std::vector<int64_t> &counts);

/// The strategy's partitioner: the one dispatch that pipe-partition and the
/// auto search both call. `manualCounts` is read for PartitionKind::Manual.
llvm::Expected<Partition>
partitionCells(PartitionKind kind, const std::vector<CellCost> &cells,
               const PartitionRequest &request,
               const std::vector<int64_t> &manualCounts);

/// GiB for big figures, MiB below one GiB (as the summary prints memory).
std::string formatMemory(int64_t bytes);

/// Bytes as GiB with one decimal: "80.0 GiB".
std::string formatGiB(int64_t bytes);

} // namespace pipe::plan

#endif // PIPE_PLAN_PARTITION_H
