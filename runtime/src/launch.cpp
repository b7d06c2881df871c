// Launcher detection from Open MPI, PMI and Slurm environment variables.
#include "launch.h"

#include "error.h"

#include <cerrno>
#include <cstdlib>

namespace pipert {
namespace {

/// The integer value of `name`, or -1 when unset; throws when set but not an
/// integer >= 0.
int envInt(const char *name) {
  const char *v = std::getenv(name);
  if (!v)
    return -1;
  char *end = nullptr;
  errno = 0;
  long n = std::strtol(v, &end, 10);
  if (!*v || *end || errno || n < 0 || n > 1 << 30)
    throw RuntimeError(std::string("environment variable ") + name + "='" + v +
                       "' is not a process count or rank");
  return static_cast<int>(n);
}

} // namespace

Launch detectLaunch() {
  struct Source {
    const char *launcher, *size, *size2, *rank, *local, *local2;
  };
  static const Source sources[] = {
      {"mpirun", "OMPI_COMM_WORLD_SIZE", nullptr, "OMPI_COMM_WORLD_RANK",
       "OMPI_COMM_WORLD_LOCAL_RANK", nullptr},
      {"pmi", "PMI_SIZE", nullptr, "PMI_RANK", "MPI_LOCALRANKID",
       "PMI_LOCAL_RANK"},
      {"srun", "SLURM_STEP_NUM_TASKS", "SLURM_NTASKS", "SLURM_PROCID",
       "SLURM_LOCALID", nullptr},
  };
  for (const Source &s : sources) {
    int size = envInt(s.size);
    const char *sizeName = s.size;
    if (size < 0 && s.size2) {
      size = envInt(s.size2);
      sizeName = s.size2;
    }
    int rank = envInt(s.rank);
    if (size < 0 || rank < 0)
      continue;
    if (size == 0 || rank >= size)
      throw RuntimeError(std::string("launcher environment: ") + s.rank + "=" +
                         std::to_string(rank) + " is outside " + sizeName +
                         "=" + std::to_string(size));
    Launch l;
    if (size == 1)
      return l; // one process: the threaded mode
    l.size = size;
    l.rank = rank;
    l.launcher = s.launcher;
    l.localRank = envInt(s.local);
    if (l.localRank < 0 && s.local2)
      l.localRank = envInt(s.local2);
    return l;
  }
  return Launch();
}

} // namespace pipert
