// The executor's activation slots and its transfers: which slot holds a
// (stage, micro-batch), the sends and receives a program posts, and the waits
// that keep a slot's data valid (executor.h).
#include "executor.h"

#include "error.h"

namespace pipert {

std::byte *StageRunner::slotOf(int stage, int mb) {
  int slot = local_[stage].slotOfMb[mb];
  if (slot < 0)
    throw RuntimeError("rank " + std::to_string(rank_) +
                       ": internal error: stage " + std::to_string(stage) +
                       " micro-batch " + std::to_string(mb) +
                       " used before its forward or receive");
  return local_[stage].arena + slot * spec_.stages[stage].slotBytes;
}

std::byte *StageRunner::acquireSlot(int stage, int mb) {
  LocalStage &l = local_[stage];
  if (l.slotOfMb[mb] >= 0)
    return slotOf(stage, mb);
  if (l.freeSlots.empty() && !l.draining.empty())
    reclaimSlot(stage);
  if (l.freeSlots.empty())
    throw RuntimeError(
        "rank " + std::to_string(rank_) + ": internal error: stage " +
        std::to_string(stage) + " needs more than its " +
        std::to_string(spec_.stages[stage].slots) +
        " activation slots (micro-batch " + std::to_string(mb) + ")");
  l.slotOfMb[mb] = l.freeSlots.back();
  l.freeSlots.pop_back();
  std::byte *p = slotOf(stage, mb);
  pipeops::fill_zero(ctx_, p,
                     static_cast<size_t>(spec_.stages[stage].slotBytes));
  return p;
}

void StageRunner::releaseSlot(int stage, int mb) {
  LocalStage &l = local_[stage];
  Transport::Ticket &send = l.sendOfMb[mb];
  if (send && !transport_.done(send)) {
    l.draining.push_back(mb);
    return;
  }
  send = 0;
  l.freeSlots.push_back(l.slotOfMb[mb]);
  l.slotOfMb[mb] = -1;
}

void StageRunner::reclaimSlot(int stage) {
  LocalStage &l = local_[stage];
  std::vector<int> draining;
  draining.swap(l.draining);
  for (int mb : draining)
    releaseSlot(stage, mb); // frees those whose send is done
  if (!l.freeSlots.empty())
    return;
  int oldest = l.draining.front();
  l.draining.erase(l.draining.begin());
  transport_.wait(l.sendOfMb[oldest]);
  releaseSlot(stage, oldest);
}

void StageRunner::drainTransfers() {
  for (size_t s = 0; s < local_.size(); ++s) {
    LocalStage &l = local_[s];
    for (std::vector<Transport::Ticket> *tickets :
         {&l.actInOfMb, &l.gradInOfMb})
      for (Transport::Ticket &t : *tickets)
        if (t) { // a receive no action consumed (only a malformed program)
          transport_.wait(t);
          t = 0;
        }
    std::vector<int> draining;
    draining.swap(l.draining);
    for (int mb : draining) {
      transport_.wait(l.sendOfMb[mb]);
      releaseSlot(static_cast<int>(s), mb);
    }
  }
}

void StageRunner::awaitInputs(const Action &a) {
  LocalStage &l = local_[a.stage];
  bool act = a.kind == ActionKind::F;
  Transport::Ticket &t = act ? l.actInOfMb[a.mb] : l.gradInOfMb[a.mb];
  if (a.kind == ActionKind::W || !t)
    return;
  double us = transport_.wait(t);
  t = 0;
  // A receive's time belongs to the cut it crosses: before its stage's first
  // cell (activations) or after its stage's last cell (gradients).
  const std::vector<int> &cells = stageSpec(a.stage).cells;
  if (profile_ && us >= 0 && !cells.empty())
    profile_->addSend(act ? cells.front() - 1 : cells.back(), us);
}

void StageRunner::communicate(const std::vector<Action> &group) {
  std::vector<Transfer> transfers;
  int S = static_cast<int>(spec_.stages.size());
  for (const Action &a : group) {
    const StageSpec &st = stageSpec(a.stage);
    Transfer t{false, Direction::Act, a.peer, a.stage, a.mb, nullptr, 0};
    bool neighbourMissing = false;
    switch (a.kind) {
    case ActionKind::SendAct:
      t.send = true;
      neighbourMissing = a.stage + 1 >= S;
      t.buf = slotOf(a.stage, a.mb) + st.actOutOffset;
      t.bytes = neighbourMissing ? 0 : stageSpec(a.stage + 1).actInBytes;
      break;
    case ActionKind::RecvAct:
      neighbourMissing = a.stage == 0;
      t.buf = acquireSlot(a.stage, a.mb) + st.actInOffset;
      t.bytes = st.actInBytes;
      break;
    case ActionKind::SendGrad:
      t.send = true;
      t.dir = Direction::Grad;
      neighbourMissing = a.stage == 0;
      t.buf = slotOf(a.stage, a.mb) + st.gradOutOffset;
      t.bytes = neighbourMissing ? 0 : stageSpec(a.stage - 1).gradInBytes;
      break;
    default: // RecvGrad
      t.dir = Direction::Grad;
      neighbourMissing = a.stage + 1 >= S;
      t.buf = slotOf(a.stage, a.mb) + st.gradInOffset;
      t.bytes = st.gradInBytes;
      break;
    }
    if (neighbourMissing || a.peer < 0 || a.peer >= spec_.ranks ||
        a.peer == rank_)
      throw RuntimeError("rank " + std::to_string(rank_) + ": " + describe(t) +
                         " has no such neighbour stage or peer");
    transfers.push_back(t);
  }
  // Nothing waits here: a receive is waited for by the action that reads it
  // (awaitInputs), a send's slot is reused only after the peer took it
  // (releaseSlot), as in the plan's simulation.
  std::vector<Transport::Ticket> tickets = transport_.post(transfers);
  for (size_t i = 0; i < group.size(); ++i) {
    if (!tickets[i])
      continue;
    const Action &a = group[i];
    LocalStage &l = local_[a.stage];
    if (transfers[i].send) {
      Transport::Ticket &last = l.sendOfMb[a.mb];
      if (last) // the slot's earlier send (its activations); taken by now
        transport_.wait(last);
      last = tickets[i];
    } else {
      (a.kind == ActionKind::RecvAct ? l.actInOfMb : l.gradInOfMb)[a.mb] =
          tickets[i];
    }
  }
}

} // namespace pipert
