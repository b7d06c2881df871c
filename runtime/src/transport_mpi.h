// The MPI host transport of one process's worker (see
// MpiWorld::makeHostTransport).
#pragma once

#include "transport.h"

#include <memory>
#include <mpi.h>

namespace pipert {

/// `pipeline` holds every worker at world rank replica * ranks + rank (errors
/// must return, not abort: MPI_ERRORS_RETURN); `replicas` the D replicas of
/// this pipeline rank, ranked by replica. The transport owns both
/// communicators.
std::unique_ptr<Transport> makeMpiTransport(MPI_Comm pipeline,
                                            MPI_Comm replicas, int ranks,
                                            int replicaCount, int rank,
                                            int replica, double timeoutSeconds);

} // namespace pipert
