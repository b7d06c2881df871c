// Moving stage boundaries between ranks and reducing gradients across replicas,
// behind one interface: in-process host channels, same-GPU device copies, NCCL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pipert {

/// Act and Grad move stage boundaries; Tied moves a tied table's gradient
/// between the two stages holding it (see ParamSpec::tiedTo), where both
/// sides name the owner's parameter index in `stage`.
enum class Direction : uint8_t { Act, Grad, Tied };

/// One Send*/Recv* of a communication group, resolved to a buffer.
struct Transfer {
  bool send;
  Direction dir;
  int peer;  ///< pipeline rank of the other side (same replica)
  int stage; ///< the stage on THIS rank (see pipert/spec.h, Action)
  int mb;
  void *buf; ///< device memory on this rank
  int64_t bytes;
  /// The (stage, mb) the message carries: for a send its own stage; for a
  /// receive the stage the matching send must name (stage-1 for Act, stage+1
  /// for Grad).
  int tagStage() const {
    if (send || dir == Direction::Tied)
      return stage;
    return dir == Direction::Act ? stage - 1 : stage + 1;
  }
};

/// "RecvAct(stage 2, mb 1) from rank 0", "SendTied(param 0) to rank 3".
std::string describe(const Transfer &t);

class Transport {
public:
  virtual ~Transport() = default;
  /// Posts a group and returns when every send in it was received and every
  /// receive has its data (on cuda: when the compute stream is ordered after
  /// them). Throws RuntimeError on a mismatch or after the watchdog timeout,
  /// PeerFailed when another rank failed first.
  virtual void exchange(const std::vector<Transfer> &group) = 0;
  /// Names a transfer that post left in flight; 0 names none.
  using Ticket = uint64_t;
  /// Posts a group without waiting and returns one ticket per transfer. A
  /// receive's buffer holds its data once waited for; a send's buffer must
  /// not change until done or wait says the peer took it. On a GPU both hold
  /// in the order of the rank's stream: after the wait, work on that stream
  /// sees the data, or may overwrite the buffer. Transports that cannot
  /// leave transfers in flight run exchange and return tickets 0.
  virtual std::vector<Ticket> post(const std::vector<Transfer> &group) {
    exchange(group);
    return std::vector<Ticket>(group.size(), 0);
  }
  /// Whether the transfer completed (then its ticket is spent).
  virtual bool done(Ticket) { return true; }
  /// Waits, under the watchdog, until the transfer completed (the ticket is
  /// then spent). Returns its time once both sides were ready, in us: the
  /// copy and the hand-over between workers, without the wait for the peer
  /// to arrive (what --profile writes as send_us); negative where the
  /// transport does not measure it.
  virtual double wait(Ticket) { return -1; }
  /// Takes back every transfer still in flight: their buffers are about to go.
  virtual void cancel() {}
  /// Sums `count` floats in place over the data-parallel replicas of this
  /// pipeline rank.
  virtual void allReduceSum(float *data, int64_t count) = 0;
  /// Sums `count` floats in place over every worker: all pipeline ranks of
  /// all replicas (the gradient-clipping norm's per-parameter sums, where each
  /// entry has one nonzero contributor, so the order of the sum is moot).
  virtual void allReduceSumWorkers(float *data, int64_t count) = 0;
  /// Best observed point-to-point bandwidth in bytes/s (0 when nothing was sent
  /// yet).
  virtual double bandwidth() const = 0;
};

} // namespace pipert
