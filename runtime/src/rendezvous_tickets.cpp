// Tickets over a Rendezvous: the records stay here until waited for or
// cancelled, as the Rendezvous requires.
#include "rendezvous_tickets.h"

namespace pipert {

std::vector<RendezvousTickets::Ticket>
RendezvousTickets::post(const std::vector<Transfer> &group) {
  std::vector<Ticket> tickets;
  std::vector<PostedSend *> sends;
  std::vector<PostedRecv *> recvs;
  for (const Transfer &t : group) {
    tickets.push_back(++last_);
    if (t.send) {
      auto s = std::make_unique<PostedSend>(
          PostedSend{t.stage, t.mb, t.buf, t.bytes, t.peer, t.dir});
      sends.push_back(s.get());
      sends_[tickets.back()] = std::move(s);
    } else {
      auto r = std::make_unique<PostedRecv>(PostedRecv{t});
      recvs.push_back(r.get());
      recvs_[tickets.back()] = std::move(r);
    }
  }
  hub_.post(rank_, replica_, sends, recvs, engine_);
  return tickets;
}

bool RendezvousTickets::complete(Ticket t) {
  auto s = sends_.find(t);
  if (s != sends_.end() && !hub_.consumed(*s->second))
    return false;
  auto r = recvs_.find(t); // filled only by this worker, so no lock
  return r == recvs_.end() || r->second->done;
}

double RendezvousTickets::wait(Ticket t, int64_t &received) {
  received = 0;
  if (auto s = sends_.find(t); s != sends_.end()) {
    hub_.wait(rank_, replica_, *s->second, engine_);
    double us = s->second->us;
    sends_.erase(s);
    return us;
  }
  if (auto r = recvs_.find(t); r != recvs_.end()) {
    hub_.wait(rank_, replica_, *r->second, engine_);
    double us = r->second->us;
    received = r->second->t.bytes;
    recvs_.erase(r);
    return us;
  }
  return -1;
}

void RendezvousTickets::cancel() {
  std::vector<PostedSend *> sends;
  std::vector<PostedRecv *> recvs;
  for (const auto &[ticket, s] : sends_)
    sends.push_back(s.get());
  for (const auto &[ticket, r] : recvs_)
    recvs.push_back(r.get());
  hub_.retract(rank_, replica_, sends, recvs, engine_);
  sends_.clear();
  recvs_.clear();
}

} // namespace pipert
