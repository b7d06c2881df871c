//===- VerifySchedule.cpp - Static checks and abstract execution --------===//
//
// THE RUNTIME'S COMMUNICATION CONTRACT (what this verifier proves against):
// - Each rank runs its program in order. F(s,k), B(s,k), W(s,k) are compute.
// - SendAct(s,k)->r' / RecvAct(s,k)<-r move F(s,k)'s output from rank(s) to
//   rank(s+1); SendGrad(s,k)->r' / RecvGrad(s,k)<-r move B(s,k)'s input
//   gradient from rank(s) to rank(s-1). The producer precedes the send on
//   the sender; the receive precedes the consumer on the receiver.
// - Consecutive Send/Recv actions form ONE communication group, posted
//   together (ncclGroupStart/End). A rank leaves the group only when every
//   send in it met its receive and every receive its send (rendezvous: no
//   buffering). A pair meets when both partners' current groups contain it.
// - Pairing is FIFO per (sender, receiver, direction): the n-th SendAct from
//   r to r' pairs with the n-th RecvAct on r' from r, and must carry the same
//   (stage, mb); a different (stage, mb) is an error, as NCCL would silently
//   deliver the wrong tensor.
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
  // Position of each kind of transfer of (s, k) on the sender / receiver.
  std::vector<int> posSendAct, posRecvAct, posSendGrad, posRecvGrad;
  // Partner (rank, position) of every comm action, from FIFO pairing.
  std::vector<std::vector<std::pair<int, int>>> partner;

  std::optional<ScheduleError> fail(ScheduleError::Kind kind, int rank,
                                    int pos, std::string msg) {
    return ScheduleError{kind, rank, pos, std::move(msg), {}};
  }

  std::optional<ScheduleError> checkActions();
  std::optional<ScheduleError> checkPresence();
  std::optional<ScheduleError> pairTransfers();
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
      case Action::RecvAct:
        if (s + 1 >= stages || stageRank[s + 1] == stageRank[s])
          return fail(ScheduleError::Malformed, r, i,
                      at(r, i, a) + ": stage " + std::to_string(s) +
                          "'s output does not cross ranks");
        slot = a.kind == Action::SendAct ? &posSendAct : &posRecvAct;
        expectPeer = stageRank[s + 1];
        if (a.kind == Action::RecvAct)
          std::swap(expectRank, expectPeer);
        break;
      case Action::SendGrad:
      case Action::RecvGrad:
        if (s == 0 || stageRank[s - 1] == stageRank[s])
          return fail(ScheduleError::Malformed, r, i,
                      at(r, i, a) + ": stage " + std::to_string(s) +
                          "'s input gradient does not cross ranks");
        slot = a.kind == Action::SendGrad ? &posSendGrad : &posRecvGrad;
        expectPeer = stageRank[s - 1];
        if (a.kind == Action::RecvGrad)
          std::swap(expectRank, expectPeer);
        break;
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
    return std::string(k) + "(" + std::to_string(s) + "," +
           std::to_string(mb) + ")";
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
        if (posRecvAct[i] < 0)
          return missing("RecvAct", s, k, peer, posF[i + m],
                         " before F(" + std::to_string(s + 1) + "," +
                             std::to_string(k) + ")");
        if (posF[i] >= posSendAct[i])
          return before(r, posF[i], posSendAct[i], "F", s, "SendAct", s, k);
        if (posRecvAct[i] >= posF[i + m])
          return before(peer, posRecvAct[i], posF[i + m], "RecvAct", s, "F", s + 1, k);
      }
      if (gradOut) {
        int peer = stageRank[s - 1];
        if (posSendGrad[i] < 0)
          return missing("SendGrad", s, k, r, posB[i],
                         " after B(" + std::to_string(s) + "," +
                             std::to_string(k) + ")");
        if (posRecvGrad[i] < 0)
          return missing("RecvGrad", s, k, peer, posB[i - m],
                         " before B(" + std::to_string(s - 1) + "," +
                             std::to_string(k) + ")");
        if (posB[i] >= posSendGrad[i])
          return before(r, posB[i], posSendGrad[i], "B", s, "SendGrad", s, k);
        if (posRecvGrad[i] >= posB[i - m])
          return before(peer, posRecvGrad[i], posB[i - m], "RecvGrad", s, "B", s - 1, k);
      }
    }
  }
  return std::nullopt;
}

// FIFO pairing per (sender, receiver, direction): every transfer is present
// exactly once on each side (checkPresence), so the queues have equal length.
std::optional<ScheduleError> Checker::pairTransfers() {
  partner.assign(ranks, {});
  // queue index: (sender * ranks + receiver) * 2 + (grad ? 1 : 0)
  std::vector<std::vector<int>> sendQ(ranks * ranks * 2),
      recvQ(ranks * ranks * 2);
  std::vector<std::vector<int>> sendQr(ranks * ranks * 2);
  for (int r = 0; r < ranks; ++r) {
    partner[r].assign(programs[r].size(), {-1, -1});
    for (int i = 0, e = programs[r].size(); i < e; ++i) {
      const Action &a = programs[r][i];
      if (!isComm(a.kind))
        continue;
      bool grad = a.kind == Action::SendGrad || a.kind == Action::RecvGrad;
      if (isSend(a.kind))
        sendQ[(r * ranks + a.peer) * 2 + grad].push_back(i);
      else
        recvQ[(a.peer * ranks + r) * 2 + grad].push_back(i);
    }
  }
  for (int from = 0; from < ranks; ++from)
    for (int to = 0; to < ranks; ++to)
      for (int grad = 0; grad < 2; ++grad) {
        int q = (from * ranks + to) * 2 + grad;
        for (size_t n = 0; n < sendQ[q].size(); ++n) {
          int si = sendQ[q][n], ri = recvQ[q][n];
          const Action &s = programs[from][si], &rv = programs[to][ri];
          if (s.stage != rv.stage || s.mb != rv.mb)
            return fail(ScheduleError::Mismatch, to, ri,
                        at(to, ri, rv) + " is paired in FIFO order with " +
                            at(from, si, s) + ", which carries another (" +
                            "stage, micro-batch)");
          partner[from][si] = {to, ri};
          partner[to][ri] = {from, si};
        }
      }
  return std::nullopt;
}

std::optional<ScheduleError> Checker::execute() {
  // groupStart[r][i] for comm actions; the group is [start, end).
  std::vector<std::vector<int>> groupStart(ranks), groupEnd(ranks);
  for (int r = 0; r < ranks; ++r) {
    int n = programs[r].size();
    groupStart[r].assign(n, -1);
    groupEnd[r].assign(n, -1);
    for (int i = 0; i < n;) {
      if (!isComm(programs[r][i].kind)) {
        ++i;
        continue;
      }
      int j = i;
      while (j < n && isComm(programs[r][j].kind))
        ++j;
      for (int x = i; x < j; ++x) {
        groupStart[r][x] = i;
        groupEnd[r][x] = j;
      }
      i = j;
    }
  }
  std::vector<int> pc(ranks, 0), posted(ranks, -1), unmatched(ranks, 0);
  std::vector<std::vector<char>> matched(ranks);
  for (int r = 0; r < ranks; ++r)
    matched[r].assign(programs[r].size(), 0);
  std::vector<int> work;
  for (int r = ranks - 1; r >= 0; --r)
    work.push_back(r);
  while (!work.empty()) {
    int r = work.back();
    work.pop_back();
    const RankProgram &p = programs[r];
    int n = p.size();
    while (pc[r] < n) {
      if (!isComm(p[pc[r]].kind)) {
        ++pc[r];
        continue;
      }
      int gs = pc[r], ge = groupEnd[r][gs];
      if (posted[r] != gs) { // post the group, meet partners already posted
        posted[r] = gs;
        unmatched[r] = 0;
        for (int i = gs; i < ge; ++i) {
          auto [pr, pi] = partner[r][i];
          if (posted[pr] == groupStart[pr][pi] && pc[pr] == posted[pr]) {
            matched[r][i] = matched[pr][pi] = 1;
            if (--unmatched[pr] == 0)
              work.push_back(pr);
          } else {
            ++unmatched[r];
          }
        }
      }
      if (unmatched[r] > 0)
        break;
      pc[r] = ge;
    }
  }
  int stuck = -1;
  for (int r = 0; r < ranks && stuck < 0; ++r)
    if (pc[r] < (int)programs[r].size())
      stuck = r;
  if (stuck < 0)
    return std::nullopt;
  // Follow first-unmatched-op edges from a stuck rank until a rank repeats.
  auto edgeOf = [&](int r) {
    int gs = pc[r], ge = groupEnd[r][gs];
    for (int i = gs; i < ge; ++i)
      if (!matched[r][i])
        return WaitEdge{r, i, programs[r][i], partner[r][i].first};
    return WaitEdge{r, gs, programs[r][gs], partner[r][gs].first};
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
    const Action &partnerOp =
        programs[w.on][partner[w.rank][w.position].second];
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
               const std::vector<int> &stageRank, bool hasW,
               int microbatches) {
  int ranks = programs.size(), stages = stageRank.size();
  for (int s = 0; s < stages; ++s)
    if (stageRank[s] < 0 || stageRank[s] >= ranks)
      return ScheduleError{ScheduleError::Malformed, -1, -1,
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
        return ScheduleError{ScheduleError::Malformed, r, i,
                             at(r, i, a) + ": peer is not another rank", {}};
    }
  Checker c{programs, stageRank, hasW, ranks, stages, m, {}, {}, {}, {},
            {},       {},        {},   {}};
  if (auto e = c.checkActions())
    return e;
  if (auto e = c.checkPresence())
    return e;
  if (auto e = c.pairTransfers())
    return e;
  return c.execute();
}

std::optional<ScheduleError>
verifySchedule(const std::vector<RankProgram> &programs,
               const std::vector<Stage> &stages, bool hasW,
               int microbatches) {
  std::vector<int> stageRank;
  for (const Stage &s : stages)
    stageRank.push_back(s.rank);
  return verifySchedule(programs, stageRank, hasW, microbatches);
}

} // namespace pipe::plan
