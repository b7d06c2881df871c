// How this process was started: alone, or as one of several processes under
// mpirun/srun (read from the launcher's environment, before MPI is
// initialised).
#pragma once

#include <string>

namespace pipert {

struct Launch {
  int size = 1; ///< processes the launcher started (1: not under a launcher)
  int rank = 0; ///< this process's world rank in [0, size)
  int localRank =
      -1; ///< rank among the processes of this node; -1 when not given
  std::string launcher; ///< "mpirun", "pmi", "srun", or "" when alone
  bool multiProcess() const { return size > 1; }
};

/// Reads, in this order, OMPI_COMM_WORLD_SIZE/RANK/LOCAL_RANK (Open MPI's
/// mpirun), PMI_SIZE/ PMI_RANK with MPI_LOCALRANKID or PMI_LOCAL_RANK (MPICH
/// hydra, srun --mpi=pmi2), and SLURM_PROCID with SLURM_STEP_NUM_TASKS or
/// SLURM_NTASKS and SLURM_LOCALID (srun). A launcher that started one process
/// counts as none (all workers run as threads in that process). Throws
/// RuntimeError naming the variable when one is malformed or the rank is
/// outside the size.
Launch detectLaunch();

} // namespace pipert
