// The host backend: every worker a thread with host memory and the in-process
// transport; or, under a launcher, one worker per process with the MPI
// transport.
#include "backend.h"

#include "mpi_world.h"
#include "rendezvous.h"

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <vector>

namespace pipert {
namespace {

// Ranks as threads share one process-wide pool (lib/host/pool.h): every call
// may use the whole pool, and a rank idle in the bubble lends its core to the
// busy ones (threads = 0). A process per worker has a pool of its own, so it
// takes its share of the machine's cores among the workers on the same node.
constexpr int kWholePool = 0;

int processShareOfCores() {
  int local = 1;
  for (const char *var : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                          "SLURM_NTASKS_PER_NODE"})
    if (const char *v = std::getenv(var)) {
      local = std::max(1, std::atoi(v));
      break;
    }
  int cores =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / local);
}

class HostBackend final : public ExecutionBackend {
public:
  HostBackend(const ModelSpec &spec, const Options &opts)
      : spec_(spec), hub_(spec.ranks, spec.dataParallel, opts.timeoutSeconds),
        workers_(spec.ranks * spec.dataParallel, hub_, "gradient norm sum") {
    for (int r = 0; r < spec.ranks; ++r)
      reducers_.push_back(
          std::make_unique<ReplicaReducer>(spec.dataParallel, hub_));
  }
  std::string name() const override { return "host"; }
  std::string devices() const override {
    return "cpu (" + std::to_string(spec_.ranks * spec_.dataParallel) +
           " worker threads)";
  }
  WorkerResources makeWorker(int rank, int replica) override {
    WorkerResources w;
    w.device = makeHostDevice();
    w.transport =
        makeHostTransport(hub_, *reducers_[rank], workers_, rank, replica);
    w.ctx.backend = pipeops::Backend::Host;
    w.ctx.dtype = spec_.precision;
    w.ctx.threads = kWholePool;
    return w;
  }
  void abort() override { hub_.abort(); }
  bool aborted() const override { return hub_.aborted(); }

private:
  const ModelSpec &spec_;
  Rendezvous hub_;
  std::vector<std::unique_ptr<ReplicaReducer>> reducers_;
  ReplicaReducer workers_;
};

class HostProcessBackend final : public ExecutionBackend {
public:
  HostProcessBackend(const ModelSpec &spec, const Options &opts,
                     MpiWorld &world)
      : spec_(spec), opts_(opts), world_(world) {}
  std::string name() const override { return "host"; }
  std::string devices() const override {
    return "cpu (" + std::to_string(world_.size()) +
           " processes, one worker each)";
  }
  WorkerResources makeWorker(int rank, int replica) override {
    WorkerResources w;
    w.device = makeHostDevice();
    w.transport = world_.makeHostTransport(spec_.ranks, spec_.dataParallel,
                                           rank, replica, opts_.timeoutSeconds);
    w.ctx.backend = pipeops::Backend::Host;
    w.ctx.dtype = spec_.precision;
    w.ctx.threads = processShareOfCores();
    return w;
  }
  void abort() override {}
  bool aborted() const override { return false; }

private:
  const ModelSpec &spec_;
  Options opts_;
  MpiWorld &world_;
};

} // namespace

std::unique_ptr<ExecutionBackend> makeHostProcessBackend(const ModelSpec &spec,
                                                         const Options &opts,
                                                         MpiWorld &world) {
  return std::make_unique<HostProcessBackend>(spec, opts, world);
}

std::unique_ptr<ExecutionBackend> makeHostBackend(const ModelSpec &spec,
                                                  const Options &opts) {
  return std::make_unique<HostBackend>(spec, opts);
}

} // namespace pipert
