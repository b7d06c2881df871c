// The in-process rendezvous: NCCL's pairing of sends and receives per channel,
// copies by the receiver, a watchdog on every wait.
#include "rendezvous.h"

#include "error.h"

#include <algorithm>
#include <sstream>

namespace pipert {

namespace {

double microseconds(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

Transfer asTransfer(const PostedSend &s) {
  return {true, s.dir, s.peer, s.stage, s.mb, nullptr, s.bytes};
}

} // namespace

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

void Rendezvous::post(int rank, int replica,
                      const std::vector<PostedSend *> &sends,
                      const std::vector<PostedRecv *> &recvs,
                      CopyEngine &engine) {
  Clock::time_point entered = Clock::now();
  for (PostedSend *s : sends)
    engine.prepareSend(*s);
  std::unique_lock<std::mutex> lock(mu_);
  if (aborted_)
    throw PeerFailed();
  int self = id(rank, replica);
  for (PostedSend *s : sends) {
    s->postedAt = Clock::now();
    sends_[{self, id(s->peer, replica), static_cast<int>(s->dir)}].push_back(s);
  }
  for (PostedRecv *r : recvs) {
    r->postedAt = entered;
    recvs_[self].push_back(r);
  }
  if (!sends.empty())
    cv_.notify_all();
  fill(rank, replica, lock, engine, entered);
}

void Rendezvous::fill(int rank, int replica, std::unique_lock<std::mutex> &lock,
                      CopyEngine &engine, Clock::time_point since) {
  int self = id(rank, replica);
  std::deque<PostedRecv *> &pending = recvs_[self];
  for (bool progress = true; progress && !aborted_;) {
    progress = false;
    // Channels whose earliest pending receive has no send yet (few: one per
    // peer and direction).
    std::vector<Key> blocked;
    for (auto it = pending.begin(); it != pending.end(); ++it) {
      PostedRecv *r = *it;
      const Transfer &t = r->t;
      Key key{id(t.peer, replica), self, static_cast<int>(t.dir)};
      std::deque<PostedSend *> &queue = sends_[key];
      if (std::find(blocked.begin(), blocked.end(), key) != blocked.end())
        continue;
      if (queue.empty()) {
        blocked.push_back(key);
        continue;
      }
      PostedSend *s = queue.front();
      if (s->stage != t.tagStage() || s->mb != t.mb || s->bytes != t.bytes) {
        std::ostringstream os;
        os << label(rank, replica) << ": " << describe(t) << " (expects stage "
           << t.tagStage() << ", mb " << t.mb << ", " << t.bytes
           << " bytes) but " << label(t.peer, replica) << " sent stage "
           << s->stage << ", mb " << s->mb << ", " << s->bytes
           << " bytes: the programs of ranks " << t.peer << " and " << rank
           << " disagree";
        aborted_ = true;
        cv_.notify_all();
        throw RuntimeError(os.str());
      }
      queue.pop_front();
      pending.erase(it);
      s->matched = true;
      Clock::time_point ready = std::max({since, s->postedAt, r->postedAt});
      lock.unlock();
      try {
        engine.copy(*s, t);
      } catch (...) {
        // The sender (or its retract) waits for `consumed`: wake it into
        // the failure rather than leave it waiting on a copy that is over.
        lock.lock();
        s->consumed = true;
        aborted_ = true;
        cv_.notify_all();
        throw;
      }
      lock.lock();
      s->us = r->us = microseconds(Clock::now() - ready);
      s->consumed = r->done = true;
      cv_.notify_all();
      progress = true;
      break; // `pending` changed: start over
    }
  }
}

template <typename Done>
void Rendezvous::waitFor(int rank, int replica, const Transfer &what, Done done,
                         CopyEngine &engine) {
  Clock::time_point entered = Clock::now();
  auto deadline = deadlineAfter(timeout_);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    fill(rank, replica, lock, engine, entered);
    if (done())
      return;
    if (aborted_)
      throw PeerFailed();
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      aborted_ = true;
      cv_.notify_all();
      std::ostringstream os;
      os << label(rank, replica) << ": " << describe(what)
         << " timed out after " << timeout_
         << " s (dead peer or mismatched programs)";
      throw RuntimeError(os.str());
    }
  }
}

void Rendezvous::wait(int rank, int replica, PostedRecv &r,
                      CopyEngine &engine) {
  waitFor(
      rank, replica, r.t, [&r] { return r.done; }, engine);
}

void Rendezvous::wait(int rank, int replica, PostedSend &s,
                      CopyEngine &engine) {
  waitFor(
      rank, replica, asTransfer(s), [&s] { return s.consumed; }, engine);
  engine.finishSend(s);
}

bool Rendezvous::consumed(const PostedSend &s) {
  std::lock_guard<std::mutex> lock(mu_);
  return s.consumed;
}

void Rendezvous::retract(int rank, int replica,
                         const std::vector<PostedSend *> &sends,
                         const std::vector<PostedRecv *> &recvs,
                         CopyEngine &engine) {
  int self = id(rank, replica);
  std::unique_lock<std::mutex> lock(mu_);
  for (PostedSend *s : sends) {
    if (s->matched) { // a receiver is copying it, or has
      cv_.wait(lock, [s] { return s->consumed; });
      continue;
    }
    auto &queue =
        sends_[{self, id(s->peer, replica), static_cast<int>(s->dir)}];
    queue.erase(std::remove(queue.begin(), queue.end(), s), queue.end());
  }
  std::deque<PostedRecv *> &pending = recvs_[self];
  for (PostedRecv *r : recvs)
    pending.erase(std::remove(pending.begin(), pending.end(), r),
                  pending.end());
  lock.unlock(); // the engine may wait for the GPU
  for (PostedSend *s : sends)
    engine.abandonSend(*s);
}

double Rendezvous::exchange(int rank, int replica,
                            const std::vector<Transfer> &group,
                            CopyEngine &engine) {
  std::vector<PostedSend> sends;
  std::vector<PostedRecv> recvs;
  sends.reserve(group.size());
  recvs.reserve(group.size());
  std::vector<PostedSend *> sendPtrs;
  std::vector<PostedRecv *> recvPtrs;
  for (const Transfer &t : group)
    if (t.send) {
      sends.push_back({t.stage, t.mb, t.buf, t.bytes, t.peer, t.dir});
      sendPtrs.push_back(&sends.back());
    } else {
      recvs.push_back({t});
      recvPtrs.push_back(&recvs.back());
    }
  // Take this frame's records back if we leave by an exception.
  struct Retract {
    Rendezvous &hub;
    int rank, replica;
    const std::vector<PostedSend *> &sends;
    const std::vector<PostedRecv *> &recvs;
    CopyEngine &engine;
    bool active = true;
    ~Retract() {
      if (active)
        hub.retract(rank, replica, sends, recvs, engine);
    }
  } retract{*this, rank, replica, sendPtrs, recvPtrs, engine};
  post(rank, replica, sendPtrs, recvPtrs, engine);
  double us = 0;
  for (PostedRecv &r : recvs) {
    wait(rank, replica, r, engine);
    us = std::max(us, r.us);
  }
  for (PostedSend &s : sends) {
    wait(rank, replica, s, engine);
    us = std::max(us, s.us);
  }
  retract.active = false;
  return us * 1e-6;
}

} // namespace pipert
