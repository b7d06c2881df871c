// The run's output paths, checked and claimed before the first step: a path
// that cannot be written is an error at start, not after hours of training.
#pragma once

#include "options.h"

namespace pipert {

/// Held by the process that writes the outputs, for the whole run. On
/// construction: --checkpoint DIR is (or is created as) a writable directory,
/// locked against a second run writing it (flock on DIR/.pipert.lock, freed
/// by the kernel when this process ends however it ends), with the
/// temporaries of dead writers removed; --profile and --export FILE can be
/// created or replaced. Throws RuntimeError naming the flag, the path and the
/// problem.
class OutputClaim {
public:
  explicit OutputClaim(const Options &opts);
  ~OutputClaim();
  OutputClaim(const OutputClaim &) = delete;
  OutputClaim &operator=(const OutputClaim &) = delete;

private:
  int lockFd_ = -1;
};

/// Removes DIR/checkpoint.pipert.tmp.PID files whose process PID no longer
/// runs (a save killed mid-write); returns how many.
int removeStaleTemporaries(const std::string &dir);

} // namespace pipert
