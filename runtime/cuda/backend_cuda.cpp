// The cuda backend for one process driving several GPUs, a thread per (rank,
// replica) worker on GPU (replica * ranks + rank) mod gpuCount. With a GPU per
// worker, boundaries and replica all-reduces go over NCCL (one communicator
// over all workers, split per pipeline rank); with fewer GPUs than workers,
// ranks share GPUs and exchange through device copies.
#include "backend.h"

#include "cuda_check.h"
#include "device_cuda.h"
#include "transport_cuda.h"

#include <mutex>

namespace pipert {
namespace {

int visibleGpus() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

class CudaBackend final : public ExecutionBackend {
public:
  CudaBackend(const ModelSpec &spec, const Options &opts)
      : spec_(spec), opts_(opts),
        hub_(spec.ranks, spec.dataParallel, opts.timeoutSeconds),
        allWorkers_(spec.ranks * spec.dataParallel, hub_, "gradient norm sum") {
    gpus_ = visibleGpus();
    if (gpus_ == 0)
      throw RuntimeError("--backend=cuda: no GPU is visible");
    workers_ = spec.ranks * spec.dataParallel;
    useNccl_ = workers_ <= gpus_;
    if (useNccl_)
      PIPERT_NCCL(ncclGetUniqueId(&id_), 0);
    for (int r = 0; r < spec.ranks; ++r)
      reducers_.push_back(
          std::make_unique<ReplicaReducer>(spec.dataParallel, hub_));
  }
  std::string name() const override { return "cuda"; }
  std::string devices() const override {
    std::string s;
    for (int g = 0; g < std::min(gpus_, workers_); ++g) {
      cudaDeviceProp prop;
      s += (g ? ", " : "") + std::string("cuda:") + std::to_string(g);
      if (cudaGetDeviceProperties(&prop, g) == cudaSuccess)
        s += std::string(" (") + prop.name + ")";
    }
    return s + (useNccl_ ? ", NCCL transport"
                         : ", shared GPUs: device-copy transport");
  }
  WorkerResources makeWorker(int rank, int replica) override {
    int id = replica * spec_.ranks + rank;
    WorkerResources w;
    auto device = std::make_unique<CudaDevice>(id % gpus_, rank);
    w.ctx.backend = pipeops::Backend::Cuda;
    w.ctx.dtype = spec_.precision;
    w.ctx.stream = device->stream();
    w.ctx.workspace = device->workspace();
    w.ctx.workspaceBytes = CudaDevice::kWorkspaceBytes;
    if (useNccl_) {
      ncclComm_t world = nullptr, replicas = nullptr;
      device->metered([&] {
        PIPERT_NCCL(ncclCommInitRank(&world, workers_, id_, id), rank);
        PIPERT_NCCL(ncclCommSplit(world, rank, replica, &replicas, nullptr),
                    rank);
      });
      w.transport = makeNcclTransport(*device, world, replicas, spec_.ranks,
                                      replica, opts_.timeoutSeconds);
    } else {
      w.transport = makeSharedGpuTransport(*device, hub_, *reducers_[rank],
                                           allWorkers_, rank, replica);
    }
    w.device = std::move(device);
    return w;
  }
  void abort() override { hub_.abort(); }
  bool aborted() const override { return hub_.aborted(); }
  bool abortWakesPeers() const override { return !useNccl_; }

private:
  const ModelSpec &spec_;
  Options opts_;
  Rendezvous hub_;
  std::vector<std::unique_ptr<ReplicaReducer>> reducers_;
  ReplicaReducer allWorkers_;
  int gpus_ = 0, workers_ = 0;
  bool useNccl_ = false;
  ncclUniqueId id_{};
};

} // namespace

bool cudaBackendUsable() { return visibleGpus() > 0; }

std::unique_ptr<ExecutionBackend> makeCudaBackend(const ModelSpec &spec,
                                                  const Options &opts) {
  return std::make_unique<CudaBackend>(spec, opts);
}

} // namespace pipert
