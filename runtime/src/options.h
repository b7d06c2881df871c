// The generated program's command line (program.md, "Running").
#pragma once

#include <cstdint>
#include <string>

namespace pipert {

enum class BackendChoice { Auto, Host, Cuda };

struct Options {
  BackendChoice backend = BackendChoice::Auto;
  int64_t steps = -1; ///< -1: the spec's train.steps
  std::string checkpointDir;
  int64_t checkpointEvery = 0; ///< 0: only at the end
  std::string resumeDir;
  std::string profileFile;
  double timeoutSeconds =
      300; ///< watchdog for one communication group or collective
};

/// Parses argv (argv[0] is the program). Environment PIPERT_TIMEOUT sets the
/// default timeout;
/// --timeout overrides it. Throws RuntimeError naming the bad flag or value.
Options parseOptions(int argc, char **argv);

} // namespace pipert
