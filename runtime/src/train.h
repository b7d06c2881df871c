// The training loop over all workers of this process: set-up, steps, loss
// report, checkpoints.
#pragma once

#include "checkpoint.h"
#include "options.h"
#include "pipert/spec.h"

#include <cstdio>
#include <vector>

namespace pipert {

struct TrainResult {
  std::vector<double>
      losses; ///< mean loss of every step run (index 0 = first step run)
  std::vector<double> evalLosses; ///< every eval's mean loss, in order
  std::vector<double> norms; ///< every step's gradient norm (clipping only)
  Checkpoint final; ///< parameters and optimizer state after the last step
};

/// Checks the spec's internal consistency (program ranks, stage ranks, boundary
/// sizes). Throws RuntimeError "internal error: ..." (a bug in the generated
/// program).
void validateSpec(const ModelSpec &spec);

class ExecutionBackend;
class StageRunner;

/// The checkpoint of --resume DIR, checked against the model (fingerprint,
/// optimizer, every parameter by name and size). Throws RuntimeError naming the
/// file.
Checkpoint loadResume(const ModelSpec &spec, const Options &opts);
/// The two header lines (and "resumed from" when resumedAt >= 0), flushed.
void printHeader(FILE *out, const ModelSpec &spec,
                 const ExecutionBackend &backend, const Options &opts,
                 int64_t resumedAt);
/// Global parameter k (owned by `owner`) with its optimizer state, as a
/// checkpoint stores it.
CheckpointTensor readTensor(const ModelSpec &spec, StageRunner &owner, int k);
/// Writes every parameter `runner` owns from the checkpoint (by name).
void loadParams(const ModelSpec &spec, const Checkpoint &resume,
                StageRunner &runner);
/// Host memcpy bandwidth (bytes/s): the --profile link estimate when no send
/// was measured.
double hostCopyBandwidth(const ModelSpec &spec);

/// Runs training as runMain does, printing the header and step lines to `out`.
/// Throws RuntimeError on any failure (already including "rank R: " where one
/// rank failed).
TrainResult runTraining(const ModelSpec &spec, const Options &opts, FILE *out);

struct Launch;
/// runMain under a launcher: this process runs the one worker of its world rank
/// (train_process.cpp).
int runProcesses(const ModelSpec &spec, int argc, char **argv,
                 const Launch &launch);

} // namespace pipert
