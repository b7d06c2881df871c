// The in-process rendezvous (NCCL pairing with a watchdog) and the host
// transport built on it.
#include "rendezvous.h"

#include "error.h"

#include <chrono>
#include <cstring>
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

std::string Rendezvous::label(int rank, int replica) const {
  std::string s = "rank " + std::to_string(rank);
  if (replicas_ > 1)
    s += " (replica " + std::to_string(replica) + ")";
  return s;
}

void Rendezvous::abort() {
  std::lock_guard<std::mutex> lock(mu_);
  aborted_ = true;
  cv_.notify_all();
}

double Rendezvous::exchange(int rank, int replica,
                            const std::vector<Transfer> &group,
                            CopyEngine &engine) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point entered = Clock::now(), ready = entered;
  auto deadline = entered + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(timeout_));
  int self = replica * ranks_ + rank;
  auto dirOf = [](const Transfer &t) { return static_cast<int>(t.dir); };
  std::vector<PostedSend> sends;
  sends.reserve(group.size());
  std::vector<bool> done(group.size(), false);
  std::unique_lock<std::mutex> lock(mu_);
  if (aborted_)
    throw PeerFailed();
  for (const Transfer &t : group)
    if (t.send) {
      sends.push_back({t.stage, t.mb, t.buf, t.bytes});
      engine.prepareSend(sends.back());
      sends.back().postedAt = Clock::now();
      channels_[{self, replica * ranks_ + t.peer, dirOf(t)}].push_back(
          &sends.back());
    }
  cv_.notify_all();
  // Remove our unconsumed sends if we leave by an exception (they live on this
  // stack frame).
  struct Unpost {
    Rendezvous &hub;
    std::vector<PostedSend> &sends;
    int self, replica;
    const std::vector<Transfer> &group;
    bool active = true;
    ~Unpost() {
      if (!active)
        return;
      size_t i = 0;
      for (const Transfer &t : group)
        if (t.send) {
          auto &q = hub.channels_[{self, replica * hub.ranks_ + t.peer,
                                   static_cast<int>(t.dir)}];
          for (auto it = q.begin(); it != q.end(); ++it)
            if (*it == &sends[i]) {
              q.erase(it);
              break;
            }
          ++i;
        }
    }
  } unpost{*this, sends, self, replica, group};

  for (;;) {
    bool progress = true;
    while (progress) {
      progress = false;
      for (size_t i = 0; i < group.size(); ++i) {
        const Transfer &t = group[i];
        if (t.send || done[i])
          continue;
        // FIFO within a channel: only the earliest pending receive of the group
        // may match.
        bool earlier = false;
        for (size_t j = 0; j < i; ++j)
          earlier |= !group[j].send && !done[j] && group[j].peer == t.peer &&
                     group[j].dir == t.dir;
        auto &q = channels_[{replica * ranks_ + t.peer, self, dirOf(t)}];
        if (earlier || q.empty())
          continue;
        PostedSend *s = q.front();
        if (s->stage != t.tagStage() || s->mb != t.mb || s->bytes != t.bytes) {
          std::ostringstream os;
          os << label(rank, replica) << ": " << describe(t)
             << " (expects stage " << t.tagStage() << ", mb " << t.mb << ", "
             << t.bytes << " bytes) but " << label(t.peer, replica)
             << " sent stage " << s->stage << ", mb " << s->mb << ", "
             << s->bytes << " bytes: the programs of ranks " << t.peer
             << " and " << rank << " disagree";
          aborted_ = true;
          cv_.notify_all();
          throw RuntimeError(os.str());
        }
        q.pop_front();
        s->matchedAt = Clock::now();
        ready = std::max(ready, s->postedAt);
        lock.unlock();
        engine.copy(*s, t);
        lock.lock();
        s->consumed = true;
        done[i] = true;
        progress = true;
        cv_.notify_all();
      }
    }
    bool complete = true;
    size_t sendIndex = 0;
    for (size_t i = 0; i < group.size(); ++i) {
      if (group[i].send)
        complete &= sends[sendIndex++].consumed;
      else
        complete &= done[i];
    }
    if (complete)
      break;
    if (aborted_)
      throw PeerFailed();
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      // Name the first transfer still pending.
      size_t si = 0;
      const Transfer *stuck = &group[0];
      for (size_t i = 0; i < group.size(); ++i) {
        bool pending = group[i].send ? !sends[si++].consumed : !done[i];
        if (pending) {
          stuck = &group[i];
          break;
        }
      }
      aborted_ = true;
      cv_.notify_all();
      std::ostringstream os;
      os << label(rank, replica) << ": " << describe(*stuck)
         << " timed out after " << timeout_
         << " s (dead peer or mismatched programs)";
      throw RuntimeError(os.str());
    }
  }
  unpost.active = false;
  lock.unlock();
  for (PostedSend &s : sends) {
    ready = std::max(ready, s.matchedAt);
    engine.finishSend(s);
  }
  return std::chrono::duration<double>(Clock::now() - ready).count();
}

void HostCopyEngine::copy(PostedSend &from, const Transfer &to) {
  std::memcpy(to.buf, from.src, static_cast<size_t>(to.bytes));
}

void ReplicaReducer::reduce(int party, int rank, int replica, float *data,
                            int64_t count) {
  using Clock = std::chrono::steady_clock;
  auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(hub_.timeout()));
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

class HostTransport final : public Transport {
public:
  HostTransport(Rendezvous &hub, ReplicaReducer &reducer,
                ReplicaReducer &workers, int rank, int replica, int ranks)
      : hub_(hub), reducer_(reducer), workers_(workers), rank_(rank),
        replica_(replica), ranks_(ranks) {}
  void exchange(const std::vector<Transfer> &group) override {
    double seconds = hub_.exchange(rank_, replica_, group, engine_);
    lastUs_ = seconds * 1e6;
    int64_t sent = 0;
    for (const Transfer &t : group)
      sent += t.send ? t.bytes : 0;
    if (sent > 0 && seconds > 0)
      bandwidth_ = std::max(bandwidth_, sent / seconds);
  }
  void allReduceSum(float *data, int64_t count) override {
    reducer_.allReduceSum(rank_, replica_, data, count);
  }
  void allReduceSumWorkers(float *data, int64_t count) override {
    workers_.reduce(replica_ * ranks_ + rank_, rank_, replica_, data, count);
  }
  double bandwidth() const override { return bandwidth_; }
  double lastExchangeUs() const override { return lastUs_; }

private:
  Rendezvous &hub_;
  ReplicaReducer &reducer_, &workers_;
  int rank_, replica_, ranks_;
  HostCopyEngine engine_;
  double bandwidth_ = 0, lastUs_ = -1;
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
