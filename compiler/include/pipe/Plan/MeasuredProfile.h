//===- MeasuredProfile.h - `--profile FILE`: measured per-cell costs -----===//
//
//   {"cells": [{"fwd_us": 18.5, "bwd_us": 18.1, "wgrad_us": 9.3,
//               "send_us": 0.6}, ...]}
//
// One entry per cell, all four fields non-negative numbers of at most 1e12
// (microseconds); nesting deeper than 64 is refused. They replace the
// cost model's fwdUs, bwdUs, wgradUs and sendUs (memory stays estimated).
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_MEASUREDPROFILE_H
#define PIPE_PLAN_MEASUREDPROFILE_H

#include "pipe/Plan/Plan.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <vector>

namespace pipe::plan {

/// Replaces the times in `cells` with the profile's. `what` names the source
/// in messages ("profile 'p.json'"). A cell count other than cells.size(), a
/// missing, negative or non-numeric field, or invalid JSON is an error that
/// says which cell and field; `cells` is unchanged on error.
llvm::Error applyMeasuredProfile(llvm::StringRef json, llvm::StringRef what,
                                 std::vector<CellCost> &cells);
/// Reads FILE and applies it.
llvm::Error applyMeasuredProfileFile(llvm::StringRef path,
                                     std::vector<CellCost> &cells);

} // namespace pipe::plan

#endif // PIPE_PLAN_MEASUREDPROFILE_H
