// The process's one compute thread pool: helpers that lend the cores ranks
// leave idle to the ranks that are computing.
//
// Decision (issue 14): cores are lent, not split. Every rank thread counts as
// computing on one core while it is inside a pipeops call (CoreClaim, taken by
// the dispatching front); the pool has cores - 1 helpers, and a helper joins a
// rank's parallel job only while fewer than `cores` threads are computing. So
// one rank gets every core, two busy ranks on two cores get one each, and a
// rank waiting in the pipeline's bubble (blocked in the transport, outside any
// pipeops call) leaves its core to the others. The BLAS is called
// single-threaded from these threads, so it adds no threads of its own.
//
// Work is cut into chunks by shape (and, for GEMMs, the machine's core count)
// alone, never by ctx.threads or by how many threads happen to help, so
// results are bit-identical run to run and whatever the thread count.
#pragma once

#include <cstdint>

namespace pipeops::host {

/// Cores the pool spreads work over: PIPEOPS_HOST_THREADS when set, else the
/// CPUs this process may run on.
int poolCores();

/// While alive, the calling thread counts as computing on one core (nested
/// claims count once).
class CoreClaim {
public:
  CoreClaim();
  ~CoreClaim();
  CoreClaim(const CoreClaim &) = delete;
  CoreClaim &operator=(const CoreClaim &) = delete;
};

/// A borrowed callable, invoked with a chunk index.
struct ChunkFn {
  void (*call)(const void *self, int64_t chunk);
  const void *self;
};

/// Runs fn(c) for every c in [0, chunks) on the calling thread and on up to
/// maxThreads - 1 helpers (maxThreads <= 0: as many as the pool has); returns
/// when all are done and rethrows the first exception a chunk threw.
void runChunks(int maxThreads, int64_t chunks, ChunkFn fn);

template <typename Fn>
void runChunks(int maxThreads, int64_t chunks, const Fn &fn) {
  runChunks(maxThreads, chunks,
            ChunkFn{[](const void *self, int64_t c) {
                      (*static_cast<const Fn *>(self))(c);
                    },
                    &fn});
}

} // namespace pipeops::host
