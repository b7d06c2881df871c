//===- PlanBuilder.h - The plan (pipec.md) gathered from a scheduled module
//===//
//
// After pipe-partition and pipe-schedule, everything --emit=plan, the
// summary, the timeline and the trace print is in the module: the strategy,
// the cells' recorded costs, the recorded stages and the per-rank programs.
// buildPlanInfo collects it and plays the programs in the simulator.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_PLANBUILDER_H
#define PIPE_TRANSFORMS_PLANBUILDER_H

#include "pipe/Plan/PlanJson.h"

#include "mlir/IR/BuiltinOps.h"

namespace pipe {

/// The plan of `module`: model name, strategy keys, device name and memory
/// (the strategy's profile), cells (readCellCosts), stages (readStages),
/// each rank's memory by the partitioner's model, the programs
/// (readPrograms) and their simulation (plan::simulate). A located error
/// when the module lacks a model, a strategy, the partition or the
/// schedule, or when the programs' rank count differs from the strategy's.
mlir::FailureOr<plan::PlanInfo> buildPlanInfo(mlir::ModuleOp module);

} // namespace pipe

#endif // PIPE_TRANSFORMS_PLANBUILDER_H
