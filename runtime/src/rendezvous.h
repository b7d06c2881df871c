// In-process rendezvous of transfers with NCCL's pairing: FIFO channels per
// (sender, receiver, direction), copies made by the receiver, a watchdog
// deadline on every wait. Transfers are posted without waiting and waited for
// where their data is needed (post, wait), or posted and waited for as one
// group (exchange).
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
#include <vector>

namespace pipert {

using Clock = std::chrono::steady_clock;

/// Now plus `seconds` (a watchdog deadline).
inline Clock::time_point deadlineAfter(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(seconds));
}

/// A posted send, queued in its channel until a receiver takes it.
struct PostedSend {
  int stage, mb;
  const void *src;
  int64_t bytes;
  int peer;      ///< the receiving pipeline rank (same replica)
  Direction dir; ///< with peer, names the channel and the send in messages
  bool matched = false, consumed = false; ///< taken by a receiver; copied
  Clock::time_point postedAt{};           ///< when the sender posted it
  double us = -1; ///< the transfer's time once both sides were ready
  void *engineData =
      nullptr; ///< e.g. the CUDA event ordering the copy after the producer
};

/// A posted receive of one worker, filled by that worker when it posts or
/// waits, in posting order within its channel.
struct PostedRecv {
  Transfer t;
  bool done = false;
  Clock::time_point postedAt{};
  double us = -1; ///< the transfer's time once both sides were ready
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
  /// On the sender, for a send taken back (retract): whatever was prepared
  /// for it is released once a copy already made from it has finished.
  virtual void abandonSend(PostedSend &) {}
};

/// Shared by every worker of one process. Workers are identified by a global
/// id; names in messages come from the label function ("rank 1" or "rank 1
/// (replica 0)"). The records passed to post stay the caller's and must live
/// until waited for or retracted.
class Rendezvous {
public:
  Rendezvous(int ranks, int replicas, double timeoutSeconds)
      : ranks_(ranks), replicas_(replicas), timeout_(timeoutSeconds) {}
  /// Posts and waits for one group; returns how long it took, in seconds,
  /// after the last of its partners had posted (or after the call, if that
  /// was later).
  double exchange(int rank, int replica, const std::vector<Transfer> &group,
                  CopyEngine &engine);
  /// Queues the sends and receives of one group without waiting; fills the
  /// receives whose sends are there.
  void post(int rank, int replica, const std::vector<PostedSend *> &sends,
            const std::vector<PostedRecv *> &recvs, CopyEngine &engine);
  /// Waits until the receive is filled or the send consumed, meanwhile
  /// filling this worker's other receives as their sends arrive; on the
  /// sender, then calls the engine's finishSend.
  void wait(int rank, int replica, PostedRecv &r, CopyEngine &engine);
  void wait(int rank, int replica, PostedSend &s, CopyEngine &engine);
  bool consumed(const PostedSend &s);
  /// Takes records back from their channels (their worker is leaving);
  /// waits for copies of its sends already under way, then abandons each
  /// send with the engine.
  void retract(int rank, int replica, const std::vector<PostedSend *> &sends,
               const std::vector<PostedRecv *> &recvs, CopyEngine &engine);
  /// Wakes every waiter with PeerFailed; later calls fail at once.
  void abort();
  bool aborted() const { return aborted_; }
  double timeout() const { return timeout_; }
  int ranks() const { return ranks_; }
  std::string label(int rank, int replica) const;

private:
  using Key = std::tuple<int, int, int>; // sender id, receiver id, direction
  int id(int rank, int replica) const { return replica * ranks_ + rank; }
  /// Fills every receive of worker `self` whose send is there, in order;
  /// `since`: when this worker entered the hub (the earliest a transfer's
  /// time counts from). Copies run unlocked.
  void fill(int rank, int replica, std::unique_lock<std::mutex> &lock,
            CopyEngine &engine, Clock::time_point since);
  template <typename Done>
  void waitFor(int rank, int replica, const Transfer &what, Done done,
               CopyEngine &engine);

  int ranks_, replicas_;
  double timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, std::deque<PostedSend *>> sends_;
  std::map<int, std::deque<PostedRecv *>> recvs_; ///< per receiving worker
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
