// In-process rendezvous of communication groups with NCCL's pairing, used by
// the host transport and by the same-GPU transport: FIFO channels per (sender,
// receiver, direction), a group returns once all its sends were consumed and
// all its receives filled, with a watchdog deadline.
#pragma once

#include "transport.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace pipert {

/// A posted send waiting in a channel.
struct PostedSend {
  int stage, mb;
  const void *src;
  int64_t bytes;
  bool consumed = false;
  std::chrono::steady_clock::time_point postedAt; ///< when the sender posted it
  std::chrono::steady_clock::time_point matchedAt; ///< when a receiver took it
  void *engineData =
      nullptr; ///< e.g. the CUDA event ordering the copy after the producer
};

/// How a matched pair moves its bytes: memcpy on the host, stream-ordered
/// copies on a GPU.
class CopyEngine {
public:
  virtual ~CopyEngine() = default;
  virtual void prepareSend(PostedSend &) {} ///< on the sender, before posting
  virtual void copy(PostedSend &from,
                    const Transfer &to) = 0; ///< on the receiver
  virtual void finishSend(PostedSend &) {} ///< on the sender, after consumption
};

/// Shared by every worker of one process. Workers are identified by a global
/// id; names in messages come from the label function ("rank 1" or "rank 1
/// (replica 0)").
class Rendezvous {
public:
  Rendezvous(int ranks, int replicas, double timeoutSeconds)
      : ranks_(ranks), replicas_(replicas), timeout_(timeoutSeconds) {}
  /// Returns how long the group took, in seconds, after the last of its
  /// partners had posted (or after the call, if that was later).
  double exchange(int rank, int replica, const std::vector<Transfer> &group,
                  CopyEngine &engine);
  /// Wakes every waiter with PeerFailed; later calls fail at once.
  void abort();
  bool aborted() const { return aborted_; }
  double timeout() const { return timeout_; }
  int ranks() const { return ranks_; }
  std::string label(int rank, int replica) const;

private:
  using Key = std::tuple<int, int, int>; // sender id, receiver id, direction
  int ranks_, replicas_;
  double timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, std::deque<PostedSend *>> channels_;
  std::atomic<bool> aborted_{false};
};

/// memcpy between host buffers.
class HostCopyEngine final : public CopyEngine {
public:
  void copy(PostedSend &from, const Transfer &to) override;
};

/// The host Transport of one worker: boundaries through a Rendezvous, replica
/// gradients through a ReplicaReducer (deterministic sum in replica order).
class ReplicaReducer;
/// `workers` reduces over every worker (allReduceSumWorkers).
std::unique_ptr<Transport> makeHostTransport(Rendezvous &hub,
                                             ReplicaReducer &reducer,
                                             ReplicaReducer &workers, int rank,
                                             int replica);

/// Sums buffers of `parties` workers in fixed party order (0, 1, ...), writing
/// the sum into every party's buffer (host memory only). One per pipeline rank
/// over its replicas (party = replica), and one over every worker for the
/// clipping norm (party = replica * ranks + rank); `what` names it in errors.
class ReplicaReducer {
public:
  ReplicaReducer(int parties, Rendezvous &hub,
                 std::string what = "gradient all-reduce")
      : replicas_(parties), hub_(hub), what_(std::move(what)), bufs_(parties) {}
  void allReduceSum(int rank, int replica, float *data, int64_t count) {
    reduce(replica, rank, replica, data, count);
  }
  void reduce(int party, int rank, int replica, float *data, int64_t count);

private:
  int replicas_;
  Rendezvous &hub_;
  std::string what_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<float *> bufs_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
};

} // namespace pipert
