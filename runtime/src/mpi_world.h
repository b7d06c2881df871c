// The MPI world of a one-process-per-worker run: what the training loop and the
// backends need from MPI (start-up, collectives, abort, the host transport),
// without exposing mpi.h.
//
// World rank w runs pipeline rank r = w mod ranks of replica d = w / ranks (w =
// d * ranks + r, the worker id of the threaded mode and the NCCL world rank of
// the cuda backend).
#pragma once

#include "launch.h"
#include "transport.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace pipert {

class MpiWorld {
public:
  virtual ~MpiWorld() = default; ///< MPI_Finalize
  virtual int size() const = 0;
  virtual int rank() const = 0;
  /// Rank among the processes on this node (the launcher's, else from
  /// MPI_COMM_TYPE_SHARED).
  virtual int localRank() const = 0;
  virtual int localSize() const = 0;
  /// Collective: MPI_Bcast of `bytes` bytes from `root`.
  virtual void broadcast(void *data, size_t bytes, int root) = 0;
  /// Collective: every process's bytes, in world-rank order, at `root` (empty
  /// elsewhere).
  virtual std::vector<std::string> gather(const std::string &mine,
                                          int root) = 0;
  /// Collective: the lowest world rank that passes `failed`, or -1 when none
  /// does.
  virtual int lowestFailing(bool failed) = 0;
  /// Collective: true when `value` is true on every process.
  virtual bool all(bool value) = 0;
  /// Ends every process of the job (MPI_Abort) with exit status `code`.
  [[noreturn]] virtual void abortAll(int code) = 0;
  /// The host Transport of this process's worker (pipeline rank `rank`, replica
  /// `replica`): boundaries by MPI_Issend/MPI_Irecv with NCCL's pairing (a send
  /// completes only when received, FIFO per (sender, receiver, act|grad), each
  /// message checked against (stage, mb, bytes)), replica gradients summed in
  /// replica order (a chain 0 -> 1 -> ... -> D-1, then MPI_Ibcast), every wait
  /// polled against the watchdog timeout.
  virtual std::unique_ptr<Transport>
  makeHostTransport(int ranks, int replicas, int rank, int replica,
                    double timeoutSeconds) = 0;
};

/// MPI_Init, and checks MPI's world against the launcher's. Throws RuntimeError
/// when this build has no MPI or MPI disagrees with the launcher.
std::unique_ptr<MpiWorld> startMpi(const Launch &launch);

/// True when this build has MPI.
bool haveMpi();

} // namespace pipert
