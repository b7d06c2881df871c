// Execution backends: what each (rank, replica) worker runs on. The host
// backend gives host memory and the in-process transport; the cuda backend
// (cuda/) GPUs, NCCL and same-GPU copies.
#pragma once

#include "device.h"
#include "options.h"
#include "pipert/spec.h"
#include "transport.h"

#include <memory>
#include <string>

namespace pipert {

struct WorkerResources {
  std::unique_ptr<Device> device;
  std::unique_ptr<Transport> transport;
  pipeops::Context ctx;
};

class ExecutionBackend {
public:
  virtual ~ExecutionBackend() = default;
  virtual std::string name() const = 0;    ///< "host" or "cuda"
  virtual std::string devices() const = 0; ///< for the header
  /// Called on the worker's own thread, concurrently for all workers of this
  /// process (NCCL communicator set-up needs every member at once).
  virtual WorkerResources makeWorker(int rank, int replica) = 0;
  /// Makes every blocked transfer of this process fail with PeerFailed.
  virtual void abort() = 0;
  virtual bool aborted() const = 0;
  /// False where abort() cannot wake a peer blocked in a transfer (NCCL: a
  /// rank waits inside NCCL, or on a GPU that waits for NCCL); a failing
  /// worker then reports its error and ends the process at once.
  virtual bool abortWakesPeers() const { return true; }
};

std::unique_ptr<ExecutionBackend> makeHostBackend(const ModelSpec &spec,
                                                  const Options &opts);

class MpiWorld;
/// One process per worker (train_process.cpp): makeWorker is called once, for
/// this process's (rank, replica), on every process at once; abort() is a no-op
/// (a failing process ends the job). Host: host memory and the MPI host
/// transport.
std::unique_ptr<ExecutionBackend> makeHostProcessBackend(const ModelSpec &spec,
                                                         const Options &opts,
                                                         MpiWorld &world);
/// Cuda: GPU (local rank mod visible GPUs); NCCL communicators built as the
/// threaded backend builds them (world over all workers, split per pipeline
/// rank; the unique id broadcast from world rank 0) when every process of a
/// node has a GPU of its own; else boundaries and replica sums through the MPI
/// host transport, staged through host memory.
std::unique_ptr<ExecutionBackend> makeCudaProcessBackend(const ModelSpec &spec,
                                                         const Options &opts,
                                                         MpiWorld &world);

/// True when this build has the cuda backend and a GPU is visible.
bool cudaBackendUsable();
/// The cuda backend for the workers of this process (threads, or one per MPI
/// process). Throws RuntimeError when the build has no CUDA.
std::unique_ptr<ExecutionBackend> makeCudaBackend(const ModelSpec &spec,
                                                  const Options &opts);

} // namespace pipert
