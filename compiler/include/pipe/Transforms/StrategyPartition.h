//===- StrategyPartition.h - Cost and split the model for its strategy ----===//
//
// The one partition routine: pipe-partition records its result in the IR,
// and pipe-auto-schedule calls it for every configuration it tries.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_STRATEGYPARTITION_H
#define PIPE_TRANSFORMS_STRATEGYPARTITION_H

#include "pipe/Dialect/PipeOps.h"
#include "pipe/Plan/Partition.h"

#include <vector>

namespace pipe {

struct StrategyPartition {
  std::vector<plan::CellCost> cells;
  plan::Partition partition;
  int64_t capacityBytes = 0; ///< the device's memory per rank
  int64_t rankBaseBytes = 0; ///< what every rank holds besides its stages
};

/// Why no split fits memory: the fullest rank, its need and the capacity.
struct MemoryShortfall {
  int rank = -1; ///< -1: the failure was not a memory shortfall
  int64_t needBytes = 0, capacityBytes = 0;
};

/// Costs every cell of `model` under `strategy` (the cost model, or the
/// measured `profile` when not empty) and splits the cells into the
/// strategy's stages with its partitioner, under the schedule's in-flight
/// memory. Errors are located diagnostics (at the strategy, or the model
/// for a bad profile); a memory shortfall is also returned in `shortfall`.
mlir::FailureOr<StrategyPartition>
partitionStrategy(ModelOp model, StrategyOp strategy, llvm::StringRef profile,
                  MemoryShortfall *shortfall = nullptr);

} // namespace pipe

#endif // PIPE_TRANSFORMS_STRATEGYPARTITION_H
