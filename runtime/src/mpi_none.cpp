// MPI entry points in a build without MPI: a multi-process launch is a clear
// error.
#include "error.h"
#include "mpi_world.h"

namespace pipert {

bool haveMpi() { return false; }

std::unique_ptr<MpiWorld> startMpi(const Launch &launch) {
  throw RuntimeError(
      "started as " + std::to_string(launch.size) + " processes by " +
      launch.launcher +
      ", but this program was built without MPI (run it as one process)");
}

} // namespace pipert
