//===- PartitionTables.h - Interval sums the partitioners share (private) -===//
#ifndef PIPE_PLAN_PARTITIONTABLES_H
#define PIPE_PLAN_PARTITIONTABLES_H

#include "pipe/Plan/Partition.h"

namespace pipe::plan {

/// O(1) stage time and memory for any cell interval [b, e).
class PartitionTables {
public:
  /// With `timeTable`, time() is a lookup in an (n+1)^2 table (the searches
  /// that query every interval); without, it sums the interval on demand, so
  /// callers that query O(n) intervals stay in O(n) memory, and
  /// additiveLowerBound is looser.
  PartitionTables(const std::vector<CellCost> &cells,
                  const PartitionRequest &request, bool timeTable = true);

  int numCells() const { return n; }
  /// fwd + bwd + wgrad (+ fwd under recompute) of cells [b, e), summed left
  /// to right from b (so every caller gets the very same double).
  double time(int b, int e) const {
    if (!times.empty())
      return times[size_t(b) * (n + 1) + e];
    double sum = 0;
    for (int c = b; c < e; ++c)
      sum += work[c];
    return sum;
  }
  /// One cell's time, the term time() adds for it.
  double cellTime(int c) const { return work[c]; }
  /// Parameters, gradients and optimizer state of cells [b, e), with one
  /// copy of each tied table read there but owned outside.
  int64_t state(int b, int e) const {
    return statePre[e] - statePre[b] + tiedCopies(b, e, false);
  }
  /// The parameter bytes of those tied copies (or their state bytes).
  int64_t tiedCopies(int b, int e, bool paramBytes = true) const;
  int64_t act(int b, int e) const { return actPre[e] - actPre[b]; }
  /// The stage's input: bytes crossing the cut before cell b.
  int64_t input(int b) const { return b == 0 ? 0 : cells[b - 1].cutBytes; }
  /// Bytes kept per in-flight micro-batch, and the one-at-a-time transient.
  int64_t keep(int b, int e) const {
    if (request.memory)
      return request.memory->slotBytes(b, e);
    return request.recompute ? input(b) : act(b, e);
  }
  int64_t transient(int b, int e) const {
    if (request.memory)
      return allocationBytes(request.memory->scratchBytes(b, e));
    return request.recompute ? act(b, e) : 0;
  }
  /// The additive part of stage s's memory on its rank.
  int64_t additive(int s, int b, int e) const {
    if (request.memory)
      return state(b, e) + allocationBytes(request.inFlight[s] * keep(b, e));
    return state(b, e) + request.inFlight[s] * keep(b, e);
  }
  /// An upper bound on any interval's keep and transient.
  int64_t maxKeep() const;
  int64_t maxTransient() const;
  /// A lower bound on stage s's additive part over every non-empty interval:
  /// state and activations only grow with the interval, and the recompute
  /// input depends on b alone, so min over b of the single-cell interval.
  int64_t additiveLowerBound(int s) const;

  const std::vector<CellCost> &cells;
  const PartitionRequest &request;

private:
  int n;
  std::vector<double> work, times;
  std::vector<int64_t> statePre, actPre;
  /// With a memory table and the time table: the smallest slot over every
  /// interval; else 0.
  int64_t minKeep = 0;
  struct Tie {
    int cell;
    const CellCost::TiedCopy *copy;
  };
  std::vector<Tie> ties; ///< every cell's tied copies, in cell order
};

/// The request the searches run on: the capacity less the rank's base bytes
/// (-1 when they alone exceed it: nothing fits), and no base.
PartitionRequest searchRequest(const PartitionRequest &request);

/// A StringError unless 1 <= stages <= cells.
llvm::Error checkStageCount(size_t numCells, const PartitionRequest &request);

/// Rank memory of a split (the formula in Partition.h).
/// Each stage's capacity in the relaxation the balanced searches start from:
/// the rank's capacity less the least its other stages can hold
/// (additiveLowerBound); kUnlimitedBytes without a limit.
std::vector<int64_t> relaxedStageCapacities(const PartitionTables &t);
std::vector<int64_t> rankMemory(const PartitionTables &t,
                                const std::vector<int> &bounds);

} // namespace pipe::plan

#endif // PIPE_PLAN_PARTITIONTABLES_H
