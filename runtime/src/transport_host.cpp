// The host transport: stage boundaries through the in-process rendezvous,
// replica gradients through a ReplicaReducer.
#include "rendezvous.h"
#include "rendezvous_tickets.h"

#include "error.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>

namespace pipert {

std::string describe(const Transfer &t) {
  static const char *names[2][3] = {{"RecvAct", "RecvGrad", "RecvTied"},
                                    {"SendAct", "SendGrad", "SendTied"}};
  std::ostringstream os;
  os << names[t.send][static_cast<int>(t.dir)];
  if (t.dir == Direction::Tied)
    os << "(param " << t.stage << ") ";
  else
    os << "(stage " << t.stage << ", mb " << t.mb << ") ";
  os << (t.send ? "to" : "from") << " rank " << t.peer;
  return os.str();
}

void HostCopyEngine::copy(PostedSend &from, const Transfer &to) {
  std::memcpy(to.buf, from.src, static_cast<size_t>(to.bytes));
}

void ReplicaReducer::reduce(int party, int rank, int replica, float *data,
                            int64_t count) {
  auto deadline = deadlineAfter(hub_.timeout());
  std::unique_lock<std::mutex> lock(mu_);
  bufs_[party] = data;
  if (++arrived_ == replicas_) {
    for (int64_t i = 0; i < count; ++i) {
      float s = bufs_[0][i];
      for (int d = 1; d < replicas_; ++d)
        s += bufs_[d][i];
      for (int d = 0; d < replicas_; ++d)
        bufs_[d][i] = s;
    }
    arrived_ = 0;
    ++generation_;
    cv_.notify_all();
    return;
  }
  uint64_t gen = generation_;
  while (generation_ == gen) {
    if (hub_.aborted())
      throw PeerFailed();
    if (cv_.wait_until(
            lock,
            std::min(deadline, Clock::now() + std::chrono::milliseconds(50))) ==
            std::cv_status::timeout &&
        Clock::now() >= deadline) {
      hub_.abort();
      throw RuntimeError(hub_.label(rank, replica) + ": " + what_ + " over " +
                         std::to_string(replicas_) +
                         " workers timed out after " +
                         std::to_string(hub_.timeout()) + " s");
    }
  }
}

namespace {

class HostTransport final : public RendezvousTransport {
public:
  HostTransport(Rendezvous &hub, ReplicaReducer &reducer,
                ReplicaReducer &workers, int rank, int replica, int ranks)
      : RendezvousTransport(hub, std::make_unique<HostCopyEngine>(), rank,
                            replica),
        reducer_(reducer), workers_(workers), rank_(rank), replica_(replica),
        ranks_(ranks) {}
  void exchange(const std::vector<Transfer> &group) override {
    double seconds = hub_.exchange(rank_, replica_, group, *engine_);
    int64_t received = 0;
    for (const Transfer &t : group)
      received += t.send ? 0 : t.bytes;
    report(received, seconds * 1e6);
  }
  void allReduceSum(float *data, int64_t count) override {
    reducer_.allReduceSum(rank_, replica_, data, count);
  }
  void allReduceSumWorkers(float *data, int64_t count) override {
    workers_.reduce(replica_ * ranks_ + rank_, rank_, replica_, data, count);
  }
  double bandwidth() const override { return bandwidth_; }

private:
  /// Bandwidth from the bytes this side copied in (the receiver copies).
  double report(int64_t received, double us) override {
    if (received > 0 && us > 0)
      bandwidth_ = std::max(bandwidth_, received / (us * 1e-6));
    return us;
  }

  ReplicaReducer &reducer_, &workers_;
  int rank_, replica_, ranks_;
  double bandwidth_ = 0;
};

} // namespace

std::unique_ptr<Transport> makeHostTransport(Rendezvous &hub,
                                             ReplicaReducer &reducer,
                                             ReplicaReducer &workers, int rank,
                                             int replica) {
  return std::make_unique<HostTransport>(hub, reducer, workers, rank, replica,
                                         hub.ranks());
}

} // namespace pipert
