//===- CellCosts.h - The pipe dialect as the cost model sees it ----------===//
//
// Translates a `pipe.model` and its `pipe.strategy` / `pipe.train` into the
// plain inputs of plan::estimateCellCosts (ModelDesc, DeviceProfile,
// Precision, Optimizer) and the partitioner's request, with located errors.
// Shared by pipe-partition and the plan builder.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_CELLCOSTS_H
#define PIPE_TRANSFORMS_CELLCOSTS_H

#include "pipe/Dialect/PipeOps.h"
#include "pipe/Plan/CostModel.h"
#include "pipe/Plan/Partition.h"
#include "pipe/Plan/StageMemory.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace pipe {

/// "file.pipe:13:3" for the first file location inside `loc` (through
/// fused, named and call-site locations); "" when it has none.
std::string formatCellLoc(mlir::Location loc);

/// The module's single pipe.model; a located error naming `pass` otherwise.
mlir::FailureOr<ModelOp> getModel(mlir::ModuleOp module, llvm::StringRef pass);

/// The strategy's device: a built-in profile by name, or the JSON file
/// (path already resolved by the front end) when `device_is_file`. A bad
/// name or file is an error at the strategy naming the offending field.
mlir::FailureOr<plan::DeviceProfile> loadDevice(StrategyOp strategy);

/// The module's optimizer as the cost model counts its state: adamw, sgd
/// (momentum 0) or sgd with momentum; AdamW (language.md's default) when the
/// module has no pipe.train.
plan::Optimizer getOptimizer(mlir::ModuleOp module);

/// Every op of every cell as an OpDesc, each dynamic dimension bound to
/// `batch` (the strategy's micro-batch size), with the cost the op states
/// (ModelOpInterface::getCost) for floats of `floatBytes`. A yielded value
/// keeps the id of the value it yields, so later cells read the same id. An
/// op without the interface is a located error.
mlir::FailureOr<plan::ModelDesc> describeModel(ModelOp model, int64_t batch,
                                               int floatBytes);

/// Errors at the value (or the strategy) when a value's bytes, attention's
/// score buffer or all activations times the micro-batches exceed what the
/// cost model counts in int64 (CostLimits.cpp). estimateModelCosts runs it.
mlir::LogicalResult checkCostSizes(ModelOp model, StrategyOp strategy);

/// The cost model's estimate for every cell of `model` under the module's
/// strategy and optimizer.
mlir::FailureOr<std::vector<plan::CellCost>>
estimateModelCosts(ModelOp model, StrategyOp strategy,
                   const plan::DeviceProfile &device);

/// The backend whose allocations the plan counts: host for device = cpu.
plan::MemoryBackend memoryBackend(StrategyOp strategy);

/// What the partitioner needs from the strategy: ranks, `stageRank`,
/// recompute, `capacityBytes`, each stage's in-flight micro-batches
/// (plan::scheduleInFlight: the slots the strategy's schedule allocates), and
/// the model's buffer plan with each rank's base bytes (StageMemory.h).
plan::PartitionRequest partitionRequest(StrategyOp strategy,
                                        const std::vector<int> &stageRank,
                                        int64_t capacityBytes);

} // namespace pipe

#endif // PIPE_TRANSFORMS_CELLCOSTS_H
