//===- StagePlanIR.h - Where pipe-partition records its result in the IR --===//
//
// pipe-partition records, on the module's `pipe.strategy` op, two discardable
// attributes (stage s is cells [b[s], b[s+1]) and runs on rank r[s]):
//
//   pipe.stage_bounds = array<i64: 0, 2, 4, 6, 7>
//   pipe.stage_ranks  = array<i64: 0, 1, 0, 1>
//
// and on every `pipe.cell` a `pipe.cost` dictionary with the cell's estimated
// (or --profile measured) costs, in pipec.md's units:
//   {fwd_us, bwd_us, wgrad_us, send_us : f64;
//    param_bytes, state_bytes, act_bytes, out_bytes, cut_bytes : i64}
// Everything after partitioning (schedule, simulation, plan, lowering) reads
// them through these functions.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_STAGEPLANIR_H
#define PIPE_TRANSFORMS_STAGEPLANIR_H

#include "pipe/Dialect/PipeOps.h"
#include "pipe/Plan/Plan.h"
#include "mlir/IR/BuiltinOps.h"
#include <vector>

namespace pipe {

inline constexpr llvm::StringLiteral kStageBoundsAttr = "pipe.stage_bounds";
inline constexpr llvm::StringLiteral kStageRanksAttr = "pipe.stage_ranks";
inline constexpr llvm::StringLiteral kCellCostAttr = "pipe.cost";

/// Records stages (rank, begin, end) on `strategy`.
void writeStages(StrategyOp strategy, const std::vector<plan::Stage> &stages);
/// The recorded stages with rank and cell range filled (times and bytes are
/// summed from the cells' recorded costs when present). A located error when
/// pipe-partition has not run or the record is malformed.
mlir::FailureOr<std::vector<plan::Stage>> readStages(mlir::ModuleOp module);

/// Records one cell's costs.
void writeCellCost(CellOp cell, const plan::CellCost &cost);
/// The recorded costs of every cell of `model`, in order (name and loc
/// filled from the cell); a located error when a cell has none.
mlir::FailureOr<std::vector<plan::CellCost>> readCellCosts(ModelOp model);

} // namespace pipe

#endif // PIPE_TRANSFORMS_STAGEPLANIR_H
