// The training loop over all workers of this process: set-up, steps, loss report, checkpoints.
#pragma once

#include "checkpoint.h"
#include "options.h"
#include "pipert/spec.h"

#include <cstdio>
#include <vector>

namespace pipert {

struct TrainResult {
  std::vector<double> losses; ///< mean loss of every step run (index 0 = first step run)
  Checkpoint final;           ///< parameters and optimizer state after the last step
};

/// Checks the spec's internal consistency (program ranks, stage ranks, boundary sizes).
/// Throws RuntimeError "internal error: ..." (a bug in the generated program).
void validateSpec(const ModelSpec &spec);

/// Runs training as runMain does, printing the header and step lines to `out`. Throws
/// RuntimeError on any failure (already including "rank R: " where one rank failed).
TrainResult runTraining(const ModelSpec &spec, const Options &opts, FILE *out);

} // namespace pipert
