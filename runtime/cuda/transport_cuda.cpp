// GPU transports: device copies through the in-process rendezvous, and NCCL
// groups on a communication stream ordered with compute through events (a
// group starts after the compute before it, and the compute after it waits
// for it; the host thread never blocks), under a watchdog thread.
#include "transport_cuda.h"

#include "cuda_check.h"
#include "rendezvous_tickets.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

namespace pipert {

/// `ready` is the sender's (created and recorded on its GPU), `done` the
/// receiver's: an event is recorded only on a stream of its own device, while
/// a stream may wait on an event of any device.
/// Destroying the record destroys its events: CUDA releases them once the
/// work recorded on them completes.
struct CopyEvents {
  cudaEvent_t ready = nullptr, done = nullptr;
  ~CopyEvents() {
    if (ready)
      cudaEventDestroy(ready);
    if (done)
      cudaEventDestroy(done);
  }
};

void DeviceCopyEngine::prepareSend(PostedSend &s) {
  auto *ev = new CopyEvents;
  s.engineData = ev;
  int r = device_.rank();
  PIPERT_CUDA(cudaSetDevice(device_.gpu()), r);
  PIPERT_CUDA(cudaEventCreateWithFlags(&ev->ready, cudaEventDisableTiming), r);
  PIPERT_CUDA(cudaEventRecord(ev->ready, device_.stream()), r);
}

void DeviceCopyEngine::copy(PostedSend &from, const Transfer &to) {
  auto *ev = static_cast<CopyEvents *>(from.engineData);
  int r = device_.rank();
  PIPERT_CUDA(cudaSetDevice(device_.gpu()), r);
  PIPERT_CUDA(cudaEventCreateWithFlags(&ev->done, cudaEventDisableTiming), r);
  PIPERT_CUDA(cudaStreamWaitEvent(device_.stream(), ev->ready, 0), r);
  PIPERT_CUDA(cudaMemcpyAsync(to.buf, from.src, static_cast<size_t>(to.bytes),
                              cudaMemcpyDefault, device_.stream()),
              r);
  if (cudaError_t e = cudaEventRecord(ev->done, device_.stream());
      e != cudaSuccess) {
    // The copy is under way with nothing to order the sender after it: let
    // it finish before the failure lets the sender reuse its buffer.
    cudaStreamSynchronize(device_.stream());
    PIPERT_CUDA(e, r);
  }
}

void DeviceCopyEngine::finishSend(PostedSend &s) {
  auto *ev = static_cast<CopyEvents *>(s.engineData);
  s.engineData = nullptr;
  int r = device_.rank();
  PIPERT_CUDA(cudaSetDevice(device_.gpu()), r);
  // A `done` never recorded (the copy failed) counts as complete.
  cudaError_t wait = ev->done
                         ? cudaStreamWaitEvent(device_.stream(), ev->done, 0)
                         : cudaSuccess;
  delete ev;
  PIPERT_CUDA(wait, r);
}

void DeviceCopyEngine::abandonSend(PostedSend &s) {
  auto *ev = static_cast<CopyEvents *>(s.engineData);
  if (!ev) // finished already
    return;
  s.engineData = nullptr;
  cudaSetDevice(device_.gpu());
  // The buffer is about to be freed, and cudaFree does not wait for a copy
  // on another stream: wait for the copy here.
  if (ev->done)
    cudaEventSynchronize(ev->done);
  delete ev;
}

namespace {
/// Ends the process with one `error:` line, however many ranks' watchdogs
/// fire at once (one stalled group stalls them all).
[[noreturn]] void exitWithError(const std::string &line) {
  static std::atomic<bool> reported{false};
  if (!reported.exchange(true)) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", line.c_str());
    std::fflush(stderr);
    std::_Exit(1);
  }
  for (;;) // the first reporter is ending the process
    std::this_thread::sleep_for(std::chrono::seconds(1));
}

std::string formatSeconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", s);
  return text;
}
} // namespace

class CommWatchdog {
public:
  CommWatchdog(int gpu, int rank, double timeout)
      : gpu_(gpu), rank_(rank), timeout_(timeout) {
    thread_ = std::thread([this] { watch(); });
  }
  ~CommWatchdog() {
    stop_ = true;
    thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (Entry &e : pending_) {
      cudaEventDestroy(e.start);
      cudaEventDestroy(e.end);
    }
  }
  /// Takes ownership of the events; `bytes` > 0 feeds the bandwidth estimate.
  void track(cudaEvent_t start, cudaEvent_t end, std::string what,
             int64_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(
        {start, end, std::move(what), bytes, std::chrono::steady_clock::now()});
  }
  double bandwidth() const { return bandwidth_.load(); }

private:
  struct Entry {
    cudaEvent_t start, end;
    std::string what;
    int64_t bytes;
    std::chrono::steady_clock::time_point posted;
  };
  void watch() {
    cudaSetDevice(gpu_);
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard<std::mutex> lock(mu_);
      while (!pending_.empty()) {
        Entry &e = pending_.front();
        cudaError_t q = cudaEventQuery(e.end);
        if (q == cudaErrorNotReady) {
          double waited = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - e.posted)
                              .count();
          // A stuck NCCL kernel cannot be cancelled: never hang.
          if (waited > timeout_)
            exitWithError("rank " + std::to_string(rank_) + ": " + e.what +
                          " timed out after " + formatSeconds(timeout_));
          break;
        }
        if (q != cudaSuccess)
          exitWithError("rank " + std::to_string(rank_) + ": " + e.what +
                        " failed: " + cudaGetErrorString(q));
        float ms = 0;
        if (e.bytes > 0 &&
            cudaEventElapsedTime(&ms, e.start, e.end) == cudaSuccess && ms > 0)
          bandwidth_ = std::max(bandwidth_.load(), e.bytes / (ms * 1e-3));
        cudaEventDestroy(e.start);
        cudaEventDestroy(e.end);
        pending_.pop_front();
      }
    }
  }
  int gpu_, rank_;
  double timeout_;
  std::mutex mu_;
  std::deque<Entry> pending_;
  std::atomic<bool> stop_{false};
  std::atomic<double> bandwidth_{0};
  std::thread thread_;
};

namespace {

class NcclTransport final : public Transport {
public:
  NcclTransport(CudaDevice &device, ncclComm_t world, ncclComm_t replicas,
                int ranks, int replica, double timeout)
      : device_(device), world_(world), replicas_(replicas), ranks_(ranks),
        replica_(replica), watchdog_(device.gpu(), device.rank(), timeout) {
    PIPERT_CUDA(cudaSetDevice(device.gpu()), device.rank());
    PIPERT_CUDA(cudaStreamCreateWithFlags(&comm_, cudaStreamNonBlocking),
                device.rank());
  }
  ~NcclTransport() override {
    cudaStreamSynchronize(comm_);
    cudaStreamDestroy(comm_);
    ncclCommDestroy(world_);
    if (replicas_)
      ncclCommDestroy(replicas_);
  }

  void exchange(const std::vector<Transfer> &group) override {
    int r = device_.rank();
    cudaEvent_t computeDone, start, end;
    PIPERT_CUDA(cudaEventCreateWithFlags(&computeDone, cudaEventDisableTiming),
                r);
    PIPERT_CUDA(cudaEventCreate(&start), r);
    PIPERT_CUDA(cudaEventCreate(&end), r);
    // The comm stream starts after the compute that produced the sends ...
    PIPERT_CUDA(cudaEventRecord(computeDone, device_.stream()), r);
    PIPERT_CUDA(cudaStreamWaitEvent(comm_, computeDone, 0), r);
    cudaEventDestroy(computeDone);
    PIPERT_CUDA(cudaEventRecord(start, comm_), r);
    int64_t sent = 0;
    std::string what;
    std::vector<int64_t> shape;
    for (const Transfer &t : group) {
      shape.insert(shape.end(), {t.send, t.peer, t.bytes});
      sent += t.send ? t.bytes : 0;
      what += (what.empty() ? "" : ", ") + describe(t);
    }
    meteredOnce(std::move(shape), [&] {
      PIPERT_NCCL(ncclGroupStart(), r);
      for (const Transfer &t : group) {
        int peer = replica_ * ranks_ + t.peer;
        size_t bytes = static_cast<size_t>(t.bytes);
        if (t.send)
          PIPERT_NCCL(ncclSend(t.buf, bytes, ncclChar, peer, world_, comm_), r);
        else
          PIPERT_NCCL(ncclRecv(t.buf, bytes, ncclChar, peer, world_, comm_), r);
      }
      PIPERT_NCCL(ncclGroupEnd(), r);
    });
    PIPERT_CUDA(cudaEventRecord(end, comm_), r);
    // ... and compute after it waits for the group (receives landed, send
    // buffers free).
    PIPERT_CUDA(cudaStreamWaitEvent(device_.stream(), end, 0), r);
    watchdog_.track(start, end, "NCCL group {" + what + "}", sent);
  }

  void allReduceSum(float *data, int64_t count) override {
    allReduce(data, count, replicas_, -1, "NCCL gradient all-reduce");
  }

  void allReduceSumWorkers(float *data, int64_t count) override {
    allReduce(data, count, world_, -2, "NCCL gradient norm sum");
  }

  double bandwidth() const override { return watchdog_.bandwidth(); }

private:
  /// Runs an NCCL call the first time a group of its shape (what it sends
  /// and receives from whom, or which sum of how many floats) comes, metered:
  /// NCCL opens connections and allocates their buffers on first use. Every
  /// step repeats the first step's shapes, so the memory is counted by the
  /// end of the first step and later calls pay no device query.
  template <class Call>
  void meteredOnce(std::vector<int64_t> shape, Call &&call) {
    if (seen_.insert(std::move(shape)).second)
      device_.metered(call);
    else
      call();
  }

  /// An in-place sum over `comm` (`which` tells the communicators apart in
  /// the metering), on the compute stream, watched as `what`.
  void allReduce(float *data, int64_t count, ncclComm_t comm, int which,
                 const char *what) {
    int r = device_.rank();
    cudaEvent_t start, end;
    PIPERT_CUDA(cudaEventCreate(&start), r);
    PIPERT_CUDA(cudaEventCreate(&end), r);
    PIPERT_CUDA(cudaEventRecord(start, device_.stream()), r);
    meteredOnce({which, count}, [&] {
      PIPERT_NCCL(ncclAllReduce(data, data, static_cast<size_t>(count),
                                ncclFloat, ncclSum, comm, device_.stream()),
                  r);
    });
    PIPERT_CUDA(cudaEventRecord(end, device_.stream()), r);
    watchdog_.track(start, end, what, 0);
  }

  CudaDevice &device_;
  ncclComm_t world_, replicas_;
  int ranks_, replica_;
  cudaStream_t comm_ = nullptr;
  CommWatchdog watchdog_;
  std::set<std::vector<int64_t>> seen_;
};

// As on the host: a send does not hold its rank, a receive is waited for by
// the pass that reads it. What a wait orders is GPU work: a send's wait makes
// this rank's stream wait for the copy out of its buffer, so that stream may
// write the buffer after it; a receive's data is there in stream order.
class SharedGpuTransport final : public RendezvousTransport {
public:
  SharedGpuTransport(CudaDevice &device, Rendezvous &hub,
                     ReplicaReducer &reducer, ReplicaReducer &workers, int rank,
                     int replica, int ranks)
      : RendezvousTransport(hub, std::make_unique<DeviceCopyEngine>(device),
                            rank, replica),
        device_(device), reducer_(reducer), workers_(workers), rank_(rank),
        replica_(replica), ranks_(ranks) {}
  void exchange(const std::vector<Transfer> &group) override {
    hub_.exchange(rank_, replica_, group, *engine_);
  }
  void allReduceSum(float *data, int64_t count) override {
    staging_.resize(static_cast<size_t>(count));
    device_.download(staging_.data(), data, staging_.size() * 4);
    reducer_.allReduceSum(rank_, replica_, staging_.data(), count);
    device_.upload(data, staging_.data(), staging_.size() * 4);
    device_.synchronize(); // staging_ is reused by the next call
  }
  void allReduceSumWorkers(float *data, int64_t count) override {
    staging_.resize(static_cast<size_t>(count));
    device_.download(staging_.data(), data, staging_.size() * 4);
    workers_.reduce(replica_ * ranks_ + rank_, rank_, replica_, staging_.data(),
                    count);
    device_.upload(data, staging_.data(), staging_.size() * 4);
    device_.synchronize();
  }
  double bandwidth() const override {
    return 0;
  } // copies are not timed; see profile fallback

private:
  /// -1: the host's wait does not time the copy, which runs on the GPU.
  double report(int64_t, double) override { return -1; }

  CudaDevice &device_;
  ReplicaReducer &reducer_, &workers_;
  int rank_, replica_, ranks_;
  std::vector<float> staging_;
};

} // namespace

std::unique_ptr<Transport>
makeNcclTransport(CudaDevice &device, ncclComm_t world, ncclComm_t replicas,
                  int ranks, int replica, double timeoutSeconds) {
  return std::make_unique<NcclTransport>(device, world, replicas, ranks,
                                         replica, timeoutSeconds);
}

std::unique_ptr<Transport> makeSharedGpuTransport(CudaDevice &device,
                                                  Rendezvous &hub,
                                                  ReplicaReducer &reducer,
                                                  ReplicaReducer &workers,
                                                  int rank, int replica) {
  return std::make_unique<SharedGpuTransport>(device, hub, reducer, workers,
                                              rank, replica, hub.ranks());
}

} // namespace pipert
