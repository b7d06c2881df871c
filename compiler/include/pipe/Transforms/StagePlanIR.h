//===- StagePlanIR.h - Where pipe-partition records its result in the IR --===//
//
// pipe-partition outlines each stage's cells into a `pipe.stage` op of the
// model (PipeModelOps.td): its position is the stage number, its `rank` the
// pipeline rank running it, its arguments and results the values crossing
// its cuts:
//
//   %h = pipe.stage @s0 rank 0 { ...cells 0, 1... } : tensor<?x256xf32>
//   %loss = pipe.stage @s1 rank 1 (%h : tensor<?x256xf32>) { ... }
//
// and puts on every `pipe.cell` a `pipe.cost` dictionary with the cell's
// estimated (or --profile measured) costs, in pipec.md's units:
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

inline constexpr llvm::StringLiteral kCellCostAttr = "pipe.cost";

/// Outlines the cells of `model` into one `pipe.stage` per element of
/// `stages` (rank, cells [begin, end), contiguous and covering the model),
/// named @s0, @s1, ...; stages already there are inlined first.
void outlineStages(ModelOp model, const std::vector<plan::Stage> &stages);
/// Moves every stage's cells back into the model body (the flat form).
void inlineStages(ModelOp model);

/// The model's stage ops in pipeline order; a located error when
/// pipe-partition has not run or a stage's rank is not the strategy's.
mlir::FailureOr<llvm::SmallVector<StageOp>> getStageOps(mlir::ModuleOp module);
/// The stages with rank and cell range filled (times and bytes are summed
/// from the cells' recorded costs when present). A located error when
/// pipe-partition has not run.
mlir::FailureOr<std::vector<plan::Stage>> readStages(mlir::ModuleOp module);

/// Records one cell's costs.
void writeCellCost(CellOp cell, const plan::CellCost &cost);
/// The recorded costs of every cell of `model`, in order (name and loc
/// filled from the cell); a located error when a cell has none.
mlir::FailureOr<std::vector<plan::CellCost>> readCellCosts(ModelOp model);

} // namespace pipe

#endif // PIPE_TRANSFORMS_STAGEPLANIR_H
