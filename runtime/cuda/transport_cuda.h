// GPU transports: same-process device copies through the Rendezvous (ranks
// sharing a GPU or in one process), and NCCL grouped send/recv on a
// communication stream with a watchdog thread.
#pragma once

#include "device_cuda.h"
#include "rendezvous.h"

#include <nccl.h>

namespace pipert {

/// Copies matched by the Rendezvous, ordered on the GPU with events: the
/// receiver's stream waits for the sender's producer, copies
/// (cudaMemcpyDefault: same or peer GPU), and the sender's stream waits for the
/// copy before its buffer can be reused.
class DeviceCopyEngine final : public CopyEngine {
public:
  explicit DeviceCopyEngine(CudaDevice &device) : device_(device) {}
  void prepareSend(PostedSend &s) override;
  void copy(PostedSend &from, const Transfer &to) override;
  void finishSend(PostedSend &s) override;
  void abandonSend(PostedSend &s) override;

private:
  CudaDevice &device_;
};

/// Watches outstanding GPU communication (an event per group); one that is not
/// done after the timeout ends the process with one `error:` line naming the
/// rank and the transfer (a stuck NCCL kernel cannot be cancelled from the host
/// otherwise).
class CommWatchdog;

/// NCCL transport of one worker. `world` connects every (rank, replica) worker
/// as replica * ranks + rank; `replicas` connects the replicas of this pipeline
/// rank.
std::unique_ptr<Transport>
makeNcclTransport(CudaDevice &device, ncclComm_t world, ncclComm_t replicas,
                  int ranks, int replica, double timeoutSeconds);

/// Same-process transport: boundaries through the Rendezvous with device
/// copies; replica gradients summed on the host in replica order (download,
/// ReplicaReducer, upload); `workers` sums over every worker the same way.
std::unique_ptr<Transport> makeSharedGpuTransport(CudaDevice &device,
                                                  Rendezvous &hub,
                                                  ReplicaReducer &reducer,
                                                  ReplicaReducer &workers,
                                                  int rank, int replica);

} // namespace pipert
