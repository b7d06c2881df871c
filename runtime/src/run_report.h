// The end-of-run lines: what each rank held and how long a step took,
// beside the plan's prediction (program.md).
#pragma once

#include "pipert/spec.h"

#include <cstdint>
#include <cstdio>
#include <vector>

namespace pipert {

struct RunMeasures {
  std::vector<int64_t> peakBytes; ///< per pipeline rank (replica 0)
  std::vector<double> stepUs;     ///< every step of the run, in order
};

/// The median step after the first (the first alone when there is one).
double medianStepUs(const std::vector<double> &stepUs);

/// `rank R peak_bytes MEASURED predicted PREDICTED` per rank, then
/// `step_us MEASURED predicted PREDICTED`.
void printRunReport(FILE *out, const ModelSpec &spec, const RunMeasures &m);

} // namespace pipert
