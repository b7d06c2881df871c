// The cuda backend with one process per worker (under mpirun/srun): this
// process's GPU is its node-local rank mod the visible GPUs. When every process
// of every node has a GPU of its own (no two drive the same host's GPU, by PCI
// bus id: with one visible GPU per process, as `srun --gpus-per-task=1` gives,
// each still has its own), NCCL communicators are built exactly as
// the threaded backend builds them (world over all workers at rank replica *
// ranks + rank, split per pipeline rank by replica), the unique id created by
// world rank 0 and broadcast over MPI; otherwise (processes sharing a GPU,
// which one NCCL communicator cannot hold twice) boundaries and replica sums go
// through the MPI host transport, staged through host memory.
#include "backend.h"

#include "cuda_check.h"
#include "device_cuda.h"
#include "mpi_world.h"
#include "transport_cuda.h"
#include "transport_staged.h"

#include <set>
#include <string>
#include <unistd.h>
#include <vector>

namespace pipert {
namespace {

/// Collective: whether no two processes drive the same GPU (host name and
/// PCI bus id); `gpu` < 0 (none visible) counts as not owning one.
bool everyProcessOwnsItsGpu(MpiWorld &world, int gpu) {
  char bus[64] = "", host[256] = "";
  bool known = gpu >= 0 &&
               cudaDeviceGetPCIBusId(bus, sizeof bus, gpu) == cudaSuccess &&
               gethostname(host, sizeof host - 1) == 0;
  std::vector<std::string> all =
      world.gather(known ? std::string(host) + "/" + bus : std::string(), 0);
  unsigned char own = 1;
  std::set<std::string> seen;
  for (const std::string &id : all) // only world rank 0 has them
    if (id.empty() || !seen.insert(id).second)
      own = 0;
  world.broadcast(&own, 1, 0);
  return own != 0;
}

class CudaProcessBackend final : public ExecutionBackend {
public:
  CudaProcessBackend(const ModelSpec &spec, const Options &opts,
                     MpiWorld &world)
      : spec_(spec), opts_(opts), world_(world) {
    int gpus = 0;
    if (cudaGetDeviceCount(&gpus) != cudaSuccess)
      gpus = 0;
    gpu_ = gpus > 0 ? world.localRank() % gpus : -1;
    // Collective on every process before any can fail alone (a lone failure
    // aborts the job).
    useNccl_ = everyProcessOwnsItsGpu(world, gpu_);
    if (gpus == 0)
      throw RuntimeError("--backend=cuda: no GPU is visible to world rank " +
                         std::to_string(world.rank()));
    if (useNccl_) {
      if (world.rank() == 0)
        PIPERT_NCCL(ncclGetUniqueId(&id_), 0);
      world.broadcast(&id_, sizeof id_, 0);
    }
  }
  std::string name() const override { return "cuda"; }
  std::string devices() const override {
    cudaDeviceProp prop;
    std::string gpu = "cuda:" + std::to_string(gpu_);
    if (cudaGetDeviceProperties(&prop, gpu_) == cudaSuccess)
      gpu += std::string(" (") + prop.name + ")";
    return std::to_string(world_.size()) + " processes, world rank " +
           std::to_string(world_.rank()) + " on " + gpu +
           (useNccl_ ? ", NCCL transport"
                     : ", shared GPUs: MPI transport staged through host");
  }
  WorkerResources makeWorker(int rank, int replica) override {
    WorkerResources w;
    auto device = std::make_unique<CudaDevice>(gpu_, rank);
    w.ctx.backend = pipeops::Backend::Cuda;
    w.ctx.dtype = spec_.precision;
    w.ctx.stream = device->stream();
    w.ctx.workspace = device->workspace();
    w.ctx.workspaceBytes = CudaDevice::kWorkspaceBytes;
    if (useNccl_) {
      ncclComm_t all = nullptr, replicas = nullptr;
      device->metered([&] {
        PIPERT_NCCL(ncclCommInitRank(&all, world_.size(), id_, world_.rank()),
                    rank);
        PIPERT_NCCL(ncclCommSplit(all, rank, replica, &replicas, nullptr),
                    rank);
      });
      w.transport = makeNcclTransport(*device, all, replicas, spec_.ranks,
                                      replica, opts_.timeoutSeconds);
    } else {
      w.transport = makeStagedTransport(
          *device,
          world_.makeHostTransport(spec_.ranks, spec_.dataParallel, rank,
                                   replica, opts_.timeoutSeconds));
    }
    w.device = std::move(device);
    return w;
  }
  void abort() override {}
  bool aborted() const override { return false; }

private:
  const ModelSpec &spec_;
  Options opts_;
  MpiWorld &world_;
  int gpu_ = 0;
  bool useNccl_ = false;
  ncclUniqueId id_{};
};

} // namespace

std::unique_ptr<ExecutionBackend> makeCudaProcessBackend(const ModelSpec &spec,
                                                         const Options &opts,
                                                         MpiWorld &world) {
  return std::make_unique<CudaProcessBackend>(spec, opts, world);
}

} // namespace pipert
