//===- VerifySchedule.cpp - Static checks and abstract execution --------===//
//
// THE RUNTIME'S COMMUNICATION CONTRACT (what this verifier proves against):
// - Each rank runs its program in order. F(s,k), B(s,k), W(s,k) are compute.
// - Every action names the stage on its own rank. SendAct(s,k)->r' /
//   RecvAct(s+1,k)<-r move F(s,k)'s output from rank(s) to rank(s+1), where
//   it feeds F(s+1,k); SendGrad(s,k)->r' / RecvGrad(s-1,k)<-r move B(s,k)'s
//   input gradient from rank(s) to rank(s-1), where it feeds B(s-1,k). The
//   producer precedes the send on the sender; the receive precedes the
//   consumer on the receiver.
// - Consecutive Send/Recv actions form ONE communication group, posted
//   together (ncclGroupStart/End). A rank leaves the group only when every
//   send in it met its receive and every receive its send (rendezvous: no
//   buffering). A pair meets when both partners' current groups contain it.
// - Pairing is FIFO per (sender, receiver, direction): the n-th SendAct from
//   r to r' pairs with the n-th RecvAct on r' from r, and must carry what the
//   receive expects (the same producer and mb); anything else is an error,
//   as NCCL would silently deliver the wrong tensor.
// - NCCL itself pairs by (sender, receiver) alone, in posting order: so the
//   pairs between two ranks must also keep one order across directions (the
//   n-th transfer r sends to r', of either direction, meets the n-th that r'
//   receives from r).
// Compute never blocks in the abstract execution: cross-rank readiness is
// carried entirely by the transfers, same-rank readiness by program order.
// So a program is sound iff the static checks pass and the abstract
// execution of groups runs every rank to its end; a stuck state is reported
// with the cycle of waits (every stuck rank waits on a stuck rank).
//===----------------------------------------------------------------------===//
#include "pipe/Plan/Verify.h"
#include "pipe/Plan/Schedule.h"

#include <algorithm>

namespace pipe::plan {
namespace {

bool isComm(Action::Kind k) { return k >= Action::SendAct; }
bool isSend(Action::Kind k) {
  return k == Action::SendAct || k == Action::SendGrad;
}

std::string at(int rank, int pos, const Action &a) {
  return "rank " + std::to_string(rank) + ", action " + std::to_string(pos) +
         " (" + describeAction(a) + ")";
}

struct Checker {
  const std::vector<RankProgram> &programs;
  const std::vector<int> &stageRank;
  bool hasW;
  int ranks, stages, m;
  // Position of F/B/W(s, k) in its rank's program, -1 if absent.
  std::vector<int> posF, posB, posW;
  // Position of each kind of transfer naming (s, k), on its own rank: a
  // send's s is the producer, a receive's the consumer.
  std::vector<int> posSendAct, posRecvAct, posSendGrad, posRecvGrad;
  // Start of every rank's program in the flat per-action arrays.
  std::vector<int> offset;
  // Partner position of every comm action (on rank action.peer), from FIFO
  // pairing, indexed by offset[rank] + position.
  std::vector<int> partner;

  std::optional<ScheduleError> fail(ScheduleError::Kind kind, int rank, int pos,
                                    std::string msg) {
    return ScheduleError{kind, rank, pos, std::move(msg), {}};
  }

  std::optional<ScheduleError> checkActions();
  std::optional<ScheduleError> checkPresence();
  std::optional<ScheduleError> pairTransfers();
  std::optional<ScheduleError> checkPeerOrder();
  std::optional<ScheduleError> execute();
};

std::optional<ScheduleError> Checker::checkActions() {
  size_t cells = (size_t)stages * m;
  for (auto *v : {&posF, &posB, &posW, &posSendAct, &posRecvAct, &posSendGrad,
                  &posRecvGrad})
    v->assign(cells, -1);
  for (int r = 0; r < ranks; ++r) {
    for (int i = 0, e = programs[r].size(); i < e; ++i) {
      const Action &a = programs[r][i];
      if (a.stage < 0 || a.stage >= stages || a.mb < 0 || a.mb >= m)
        return fail(ScheduleError::Malformed, r, i,
                    at(r, i, a) + ": stage or micro-batch out of range");
      if (a.kind == Action::W && !hasW)
        return fail(ScheduleError::Malformed, r, i,
                    at(r, i, a) + ": this schedule has no W actions");
      size_t idx = (size_t)a.stage * m + a.mb;
      int s = a.stage;
      std::vector<int> *slot = nullptr;
      int expectRank = stageRank[s], expectPeer = -1;
      // A transfer's peer holds `other`, the stage across the cut, and what
      // it moves must cross ranks.
      const char *what = nullptr;
      int other = -1;
      switch (a.kind) {
      case Action::F:
        slot = &posF;
        break;
      case Action::B:
        slot = &posB;
        break;
      case Action::W:
        slot = &posW;
        break;
      case Action::SendAct:
        slot = &posSendAct, other = s + 1, what = "output";
        break;
      case Action::RecvAct:
        slot = &posRecvAct, other = s - 1, what = "input";
        break;
      case Action::SendGrad:
        slot = &posSendGrad, other = s - 1, what = "input gradient";
        break;
      case Action::RecvGrad:
        slot = &posRecvGrad, other = s + 1, what = "output gradient";
        break;
      }
      if (what) {
        if (other < 0 || other >= stages || stageRank[other] == stageRank[s])
          return fail(ScheduleError::Malformed, r, i,
                      at(r, i, a) + ": stage " + std::to_string(s) + "'s " +
                          what + " does not cross ranks");
        expectPeer = stageRank[other];
      }
      if (r != expectRank)
        return fail(ScheduleError::WrongRank, r, i,
                    at(r, i, a) + ": belongs on rank " +
                        std::to_string(expectRank));
      if (isComm(a.kind) && a.peer != expectPeer)
        return fail(ScheduleError::Malformed, r, i,
                    at(r, i, a) + ": its peer must be rank " +
                        std::to_string(expectPeer));
      if ((*slot)[idx] >= 0)
        return fail(ScheduleError::Duplicate, r, i,
                    at(r, i, a) + ": duplicate of action " +
                        std::to_string((*slot)[idx]));
      (*slot)[idx] = i;
    }
  }
  return std::nullopt;
}

std::optional<ScheduleError> Checker::checkPresence() {
  auto missing = [&](const char *what, int s, int k, int rank, int pos,
                     const std::string &why) {
    return fail(ScheduleError::Missing, rank, pos,
                "rank " + std::to_string(rank) + " lacks " + what + "(" +
                    std::to_string(s) + "," + std::to_string(k) + ")" + why);
  };
  auto name = [](const char *k, int s, int mb) {
    return std::string(k) + "(" + std::to_string(s) + "," + std::to_string(mb) +
           ")";
  };
  // Called only on failure (first >= second), so names are built only
  // then: this runs for every (stage, mb).
  auto before = [&](int r, int first, int second, const char *ka, int sa,
                    const char *kb, int sb,
                    int k) -> std::optional<ScheduleError> {
    if (first < second)
      return std::nullopt;
    return fail(ScheduleError::Order, r, second,
                "rank " + std::to_string(r) + ", action " +
                    std::to_string(second) + " (" + name(kb, sb, k) +
                    ") runs before " + name(ka, sa, k) + " (action " +
                    std::to_string(first) + ") it depends on");
  };
  for (int s = 0; s < stages; ++s) {
    int r = stageRank[s];
    bool sendsOut = s + 1 < stages && stageRank[s + 1] != r;
    bool gradOut = s > 0 && stageRank[s - 1] != r;
    for (int k = 0; k < m; ++k) {
      size_t i = (size_t)s * m + k;
      if (posF[i] < 0)
        return missing("F", s, k, r, -1, "");
      if (posB[i] < 0)
        return missing("B", s, k, r, -1, "");
      if (hasW && posW[i] < 0)
        return missing("W", s, k, r, -1, "");
      if (posF[i] >= posB[i])
        return before(r, posF[i], posB[i], "F", s, "B", s, k);
      if (hasW)
        if (posB[i] >= posW[i])
          return before(r, posB[i], posW[i], "B", s, "W", s, k);
      if (s > 0 && !gradOut) // F(s-1,k) and B(s,k)->B(s-1,k) on this rank
        if (posF[i - m] >= posF[i])
          return before(r, posF[i - m], posF[i], "F", s - 1, "F", s, k);
      if (s > 0 && !gradOut)
        if (posB[i] >= posB[i - m])
          return before(r, posB[i], posB[i - m], "B", s, "B", s - 1, k);
      if (sendsOut) {
        int peer = stageRank[s + 1];
        if (posSendAct[i] < 0)
          return missing("SendAct", s, k, r, posF[i],
                         " after F(" + std::to_string(s) + "," +
                             std::to_string(k) + ")");
        if (posRecvAct[i + m] < 0)
          return missing("RecvAct", s + 1, k, peer, posF[i + m],
                         " before F(" + std::to_string(s + 1) + "," +
                             std::to_string(k) + ")");
        if (posF[i] >= posSendAct[i])
          return before(r, posF[i], posSendAct[i], "F", s, "SendAct", s, k);
        if (posRecvAct[i + m] >= posF[i + m])
          return before(peer, posRecvAct[i + m], posF[i + m], "RecvAct", s + 1,
                        "F", s + 1, k);
      }
      if (gradOut) {
        int peer = stageRank[s - 1];
        if (posSendGrad[i] < 0)
          return missing("SendGrad", s, k, r, posB[i],
                         " after B(" + std::to_string(s) + "," +
                             std::to_string(k) + ")");
        if (posRecvGrad[i - m] < 0)
          return missing("RecvGrad", s - 1, k, peer, posB[i - m],
                         " before B(" + std::to_string(s - 1) + "," +
                             std::to_string(k) + ")");
        if (posB[i] >= posSendGrad[i])
          return before(r, posB[i], posSendGrad[i], "B", s, "SendGrad", s, k);
        if (posRecvGrad[i - m] >= posB[i - m])
          return before(peer, posRecvGrad[i - m], posB[i - m], "RecvGrad",
                        s - 1, "B", s - 1, k);
      }
    }
  }
  return std::nullopt;
}

// FIFO pairing per (sender, receiver, direction): every transfer is present
// exactly once on each side (checkPresence), so the queues have equal length.
// The queues are laid out flat (a counting sort by queue index).
std::optional<ScheduleError> Checker::pairTransfers() {
  offset.assign(ranks + 1, 0);
  for (int r = 0; r < ranks; ++r)
    offset[r + 1] = offset[r] + programs[r].size();
  partner.assign(offset[ranks], -1);
  // queue index: (sender * ranks + receiver) * 2 + (grad ? 1 : 0)
  size_t queues = (size_t)ranks * ranks * 2;
  std::vector<int> qOff(queues + 1, 0);
  auto queueOf = [&](int r, const Action &a) {
    bool grad = a.kind == Action::SendGrad || a.kind == Action::RecvGrad;
    return isSend(a.kind) ? ((size_t)r * ranks + a.peer) * 2 + grad
                          : ((size_t)a.peer * ranks + r) * 2 + grad;
  };
  for (int r = 0; r < ranks; ++r)
    for (const Action &a : programs[r])
      if (isSend(a.kind))
        ++qOff[queueOf(r, a) + 1];
  for (size_t q = 0; q < queues; ++q)
    qOff[q + 1] += qOff[q];
  std::vector<int> sendQ(qOff[queues]), recvQ(qOff[queues]);
  std::vector<int> sFill(qOff.begin(), qOff.end() - 1), rFill = sFill;
  for (int r = 0; r < ranks; ++r)
    for (int i = 0, e = programs[r].size(); i < e; ++i) {
      const Action &a = programs[r][i];
      if (!isComm(a.kind))
        continue;
      size_t q = queueOf(r, a);
      if (isSend(a.kind))
        sendQ[sFill[q]++] = i;
      else
        recvQ[rFill[q]++] = i;
    }
  for (int from = 0; from < ranks; ++from)
    for (int to = 0; to < ranks; ++to)
      for (int grad = 0; grad < 2; ++grad) {
        size_t q = ((size_t)from * ranks + to) * 2 + grad;
        for (int n = qOff[q]; n < qOff[q + 1]; ++n) {
          int si = sendQ[n], ri = recvQ[n];
          const Action &s = programs[from][si], &rv = programs[to][ri];
          if (s.stage != producerStage(rv) || s.mb != rv.mb) {
            auto carried = [&](int stage, int mb) {
              return std::string(grad ? "B(" : "F(") + std::to_string(stage) +
                     "," + std::to_string(mb) + ")'s " +
                     (grad ? "input gradient" : "output");
            };
            return fail(ScheduleError::Mismatch, to, ri,
                        at(to, ri, rv) + " is paired in FIFO order with " +
                            at(from, si, s) + ", which carries " +
                            carried(s.stage, s.mb) + ", not " +
                            carried(producerStage(rv), rv.mb));
          }
          partner[offset[from] + si] = ri;
          partner[offset[to] + ri] = si;
        }
      }
  return std::nullopt;
}

// With the pairs FIFO per direction, the two ranks post them in one order
// iff, walking a sender's program, the partners of its sends to each peer
// come later and later in the peer's program.
std::optional<ScheduleError> Checker::checkPeerOrder() {
  std::vector<int> lastSend(ranks), lastPartner(ranks);
  for (int r = 0; r < ranks; ++r) {
    std::fill(lastSend.begin(), lastSend.end(), -1);
    std::fill(lastPartner.begin(), lastPartner.end(), -1);
    for (int i = 0, e = programs[r].size(); i < e; ++i) {
      const Action &a = programs[r][i];
      if (!isSend(a.kind))
        continue;
      int ri = partner[offset[r] + i], p = a.peer;
      if (ri < lastPartner[p])
        return fail(ScheduleError::Mismatch, p, ri,
                    at(p, ri, programs[p][ri]) + " comes before " +
                        at(p, lastPartner[p], programs[p][lastPartner[p]]) +
                        ", but their sends come in the other order (" +
                        at(r, lastSend[p], programs[r][lastSend[p]]) +
                        " before " + at(r, i, a) +
                        "): NCCL pairs one rank's transfers with another in "
                        "the order they are posted, whatever they carry");
      lastSend[p] = i;
      lastPartner[p] = ri;
    }
  }
  return std::nullopt;
}

// Groups are posted one at a time per rank: posted[r] is the start of the
// last group rank r posted and postedEnd[r] its end. A rank sits at its
// posted group until every op in it has met its partner.
std::optional<ScheduleError> Checker::execute() {
  std::vector<int> pc(ranks, 0), posted(ranks, -1), postedEnd(ranks, -1),
      unmatched(ranks, 0);
  // Is op pi of rank pr in the group pr currently sits at?
  auto waitingAt = [&](int pr, int pi) {
    return pc[pr] == posted[pr] && pi >= posted[pr] && pi < postedEnd[pr];
  };
  std::vector<int> work;
  work.reserve(2 * ranks);
  for (int r = ranks - 1; r >= 0; --r)
    work.push_back(r);
  while (!work.empty()) {
    int r = work.back();
    work.pop_back();
    const RankProgram &p = programs[r];
    const int *part = partner.data() + offset[r];
    int n = p.size(), i = pc[r];
    while (i < n) {
      if (!isComm(p[i].kind)) {
        ++i;
        continue;
      }
      if (posted[r] != i) { // post the group, meet partners already posted
        int ge = i;
        while (ge < n && isComm(p[ge].kind))
          ++ge;
        posted[r] = i;
        postedEnd[r] = ge;
        pc[r] = i;
        unmatched[r] = 0;
        for (int x = i; x < ge; ++x) {
          int pr = p[x].peer, pi = part[x];
          if (waitingAt(pr, pi)) {
            if (--unmatched[pr] == 0)
              work.push_back(pr);
          } else {
            ++unmatched[r];
          }
        }
      }
      if (unmatched[r] > 0)
        break;
      i = postedEnd[r];
    }
    pc[r] = i;
  }
  int stuck = -1;
  for (int r = 0; r < ranks && stuck < 0; ++r)
    if (pc[r] < (int)programs[r].size())
      stuck = r;
  if (stuck < 0)
    return std::nullopt;
  // An op of a stuck rank's group met its partner iff the partner's rank
  // moved past it or sits at the group holding it (whichever of the two
  // posted second met the other).
  auto partnerOf = [&](int r, int i) { return partner[offset[r] + i]; };
  auto matched = [&](int r, int i) {
    int pr = programs[r][i].peer, pi = partnerOf(r, i);
    return pc[pr] > pi || waitingAt(pr, pi);
  };
  // Follow first-unmatched-op edges from a stuck rank until a rank repeats.
  auto edgeOf = [&](int r) {
    int gs = pc[r], ge = postedEnd[r];
    for (int i = gs; i < ge; ++i)
      if (!matched(r, i))
        return WaitEdge{r, i, programs[r][i], programs[r][i].peer};
    return WaitEdge{r, gs, programs[r][gs], programs[r][gs].peer};
  };
  std::vector<int> seenAt(ranks, -1);
  std::vector<WaitEdge> path;
  int r = stuck;
  while (seenAt[r] < 0) {
    seenAt[r] = path.size();
    path.push_back(edgeOf(r));
    r = path.back().on;
  }
  std::vector<WaitEdge> cycle(path.begin() + seenAt[r], path.end());
  std::string msg = "deadlock: wait cycle: ";
  for (size_t c = 0; c < cycle.size(); ++c) {
    const WaitEdge &w = cycle[c];
    const Action &partnerOp = programs[w.on][partnerOf(w.rank, w.position)];
    msg += (c ? "; " : "") + at(w.rank, w.position, w.action) +
           " waits on rank " + std::to_string(w.on) + " for " +
           describeAction(partnerOp);
  }
  ScheduleError err{ScheduleError::Deadlock, cycle.front().rank,
                    cycle.front().position, msg, cycle};
  return err;
}

} // namespace

std::optional<ScheduleError>
verifySchedule(const std::vector<RankProgram> &programs,
               const std::vector<int> &stageRank, bool hasW, int microbatches) {
  int ranks = programs.size(), stages = stageRank.size();
  for (int s = 0; s < stages; ++s)
    if (stageRank[s] < 0 || stageRank[s] >= ranks)
      return ScheduleError{
          ScheduleError::Malformed,
          -1,
          -1,
          "stage " + std::to_string(s) + " is placed on rank " +
              std::to_string(stageRank[s]) + " but there are " +
              std::to_string(ranks) + " programs",
          {}};
  int m = microbatches;
  if (m < 0) {
    m = 0;
    for (const RankProgram &p : programs)
      for (const Action &a : p)
        m = std::max(m, a.mb + 1);
  }
  for (int r = 0; r < ranks; ++r)
    for (int i = 0, e = programs[r].size(); i < e; ++i) {
      const Action &a = programs[r][i];
      if (isComm(a.kind) && (a.peer < 0 || a.peer >= ranks || a.peer == r))
        return ScheduleError{ScheduleError::Malformed,
                             r,
                             i,
                             at(r, i, a) + ": peer is not another rank",
                             {}};
    }
  Checker c{programs, stageRank, hasW, ranks, stages, m,  {}, {},
            {},       {},        {},   {},    {},     {}, {}};
  if (auto e = c.checkActions())
    return e;
  if (auto e = c.checkPresence())
    return e;
  if (auto e = c.pairTransfers())
    return e;
  if (auto e = c.checkPeerOrder())
    return e;
  return c.execute();
}

std::optional<ScheduleError>
verifySchedule(const std::vector<RankProgram> &programs,
               const std::vector<Stage> &stages, bool hasW, int microbatches) {
  std::vector<int> stageRank;
  for (const Stage &s : stages)
    stageRank.push_back(s.rank);
  return verifySchedule(programs, stageRank, hasW, microbatches);
}

} // namespace pipe::plan
