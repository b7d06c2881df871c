// One worker's transfers in flight through a Rendezvous, by ticket, and the
// Transport base that offers them as post/done/wait/cancel (the host
// transport, and ranks sharing a GPU).
#pragma once

#include "rendezvous.h"

#include <map>
#include <memory>

namespace pipert {

class RendezvousTickets {
public:
  using Ticket = Transport::Ticket;
  /// `engine` makes this worker's copies and must outlive the tickets.
  RendezvousTickets(Rendezvous &hub, CopyEngine &engine, int rank, int replica)
      : hub_(hub), engine_(engine), rank_(rank), replica_(replica) {}
  ~RendezvousTickets() { cancel(); }
  RendezvousTickets(const RendezvousTickets &) = delete;
  RendezvousTickets &operator=(const RendezvousTickets &) = delete;

  /// Posts a group without waiting; one ticket per transfer.
  std::vector<Ticket> post(const std::vector<Transfer> &group);
  /// Whether the transfer completed: a send taken by its receiver, a receive
  /// filled. The ticket stays valid.
  bool complete(Ticket t);
  /// Waits for the transfer under the hub's watchdog and spends the ticket.
  /// Returns its time once both sides were ready, in us; `received` becomes
  /// the bytes a receive brought (0 for a send).
  double wait(Ticket t, int64_t &received);
  /// Takes back every transfer still in flight (their buffers are going).
  void cancel();

private:
  Rendezvous &hub_;
  CopyEngine &engine_;
  int rank_, replica_;
  Ticket last_ = 0;
  std::map<Ticket, std::unique_ptr<PostedSend>> sends_;
  std::map<Ticket, std::unique_ptr<PostedRecv>> recvs_;
};

/// A Transport whose boundaries go through a Rendezvous: post, done, wait and
/// cancel by ticket, over the copy engine it owns; `report` says what a wait
/// returns.
class RendezvousTransport : public Transport {
public:
  std::vector<Ticket> post(const std::vector<Transfer> &group) override {
    return tickets_.post(group);
  }
  bool done(Ticket t) override {
    if (!tickets_.complete(t))
      return false;
    wait(t);
    return true;
  }
  double wait(Ticket t) override {
    int64_t received = 0;
    double us = tickets_.wait(t, received);
    return report(received, us);
  }
  void cancel() override { tickets_.cancel(); }

protected:
  RendezvousTransport(Rendezvous &hub, std::unique_ptr<CopyEngine> engine,
                      int rank, int replica)
      : hub_(hub), engine_(std::move(engine)),
        tickets_(hub, *engine_, rank, replica) {}
  /// What wait returns for a transfer that took `us` once both sides were
  /// ready and brought `received` bytes (0 for a send).
  virtual double report(int64_t /*received*/, double us) { return us; }

  Rendezvous &hub_;
  std::unique_ptr<CopyEngine> engine_; ///< before tickets_, which use it
  RendezvousTickets tickets_;
};

} // namespace pipert
