// The training recipe around the steps, shared by the threaded and the
// process-per-worker loops: each step's learning rate, when eval runs, the
// step and eval lines, and --init/--export.
#pragma once

#include "checkpoint.h"
#include "pipert/spec.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace pipert {

class StageRunner;

/// The lr of 1-based step t of a run ending at step `last` (lr_schedule.h).
float stepLr(const ModelSpec &spec, int64_t t, int64_t last);

/// Whether eval runs with `done` steps done, in a run from `first` to `last`:
/// at step 0 of a fresh run (before any update), at every multiple of
/// evalEvery, and after the last step. Never without eval data.
bool evalDue(const TrainSpec &train, int64_t done, int64_t first, int64_t last);

/// "step N loss X lr Y [norm Z] tokens/s R" (norm only with clipping), flushed.
void printStepLine(FILE *out, const ModelSpec &spec, int64_t done, double loss,
                   double lr, double norm, double seconds);
/// "step N eval X", flushed.
void printEvalLine(FILE *out, int64_t done, double loss);

/// Writes every parameter `runner` owns from --init's values (optimizer state
/// zero).
void loadInit(const ModelSpec &spec,
              const std::vector<std::vector<float>> &values,
              StageRunner &runner);
/// Writes --export FILE from a gathered checkpoint's parameter values.
void writeExport(const std::string &file, const ModelSpec &spec,
                 const Checkpoint &gathered);

} // namespace pipert
