// The generated program's command line (program.md, "Running").
#pragma once

#include "pipert/spec.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace pipert {

/// Timeouts saturate here (about 31 years): deadlines computed as
/// steady_clock::now() plus the timeout must not overflow.
constexpr double kMaxTimeoutSeconds = 1e9;

enum class BackendChoice { Auto, Host, Cuda };

struct Options {
  BackendChoice backend = BackendChoice::Auto;
  int64_t steps = -1; ///< -1: the spec's train.steps
  std::string checkpointDir;
  int64_t checkpointEvery = 0; ///< 0: only at the end
  std::string resumeDir;
  std::string profileFile;
  std::string exportFile; ///< --export: parameters as safetensors at the end
  std::string initFile;   ///< --init: start from a safetensors file
  std::string traceFile; ///< --trace: the last step's measured timeline
  double timeoutSeconds =
      300;           ///< watchdog for one communication group or collective
  bool help = false; ///< --help / -h: print the usage and exit 0
};

/// Parses argv (argv[0] is the program). Environment PIPERT_TIMEOUT sets the
/// default timeout;
/// --timeout overrides it. Throws RuntimeError naming the bad flag or value.
/// --help and -h set `help` and end parsing (whatever follows is ignored).
Options parseOptions(int argc, char **argv);

/// The usage: every flag with its default, and the plan this program was
/// compiled for (model, schedule, ranks, stages, batch, data).
void printUsage(FILE *out, const char *argv0, const ModelSpec &spec);

} // namespace pipert
