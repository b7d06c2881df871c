//===- Schedule.cpp - Placement, the order dispatch and the transfers ---===//
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/ScheduleTable.h"
#include "pipe/Plan/Simulator.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <tuple>

namespace pipe::plan {

std::vector<int> stagePlacement(ScheduleKind kind, int ranks,
                                int virtualStages) {
  int stages = ranks * virtualStages;
  std::vector<int> rankOf(stages);
  for (int s = 0; s < stages; ++s)
    rankOf[s] = scheduleInfo(kind).placement == Placement::V && s >= ranks
                    ? 2 * ranks - 1 - s
                    : s % ranks;
  return rankOf;
}

const char *actionKindName(Action::Kind kind) {
  switch (kind) {
  case Action::F:
    return "F";
  case Action::B:
    return "B";
  case Action::W:
    return "W";
  case Action::SendAct:
    return "SendAct";
  case Action::RecvAct:
    return "RecvAct";
  case Action::SendGrad:
    return "SendGrad";
  case Action::RecvGrad:
    return "RecvGrad";
  }
  return "?";
}

int producerStage(const Action &a) {
  return a.kind == Action::RecvAct    ? a.stage - 1
         : a.kind == Action::RecvGrad ? a.stage + 1
                                      : a.stage;
}

std::string describeAction(const Action &a) {
  std::string s = std::string(actionKindName(a.kind)) + "(" +
                  std::to_string(a.stage) + "," + std::to_string(a.mb) + ")";
  if (a.kind == Action::SendAct || a.kind == Action::SendGrad)
    s += "->" + std::to_string(a.peer);
  else if (a.kind == Action::RecvAct || a.kind == Action::RecvGrad)
    s += "<-" + std::to_string(a.peer);
  return s;
}

std::vector<RankProgram> buildComputeOrder(ScheduleKind kind, int ranks,
                                           int virtualStages, int microbatches,
                                           const std::vector<int> &stageRank,
                                           const std::vector<Stage> *stages) {
  assert(ranks >= 1 && virtualStages >= 1 && microbatches >= 1);
  assert((int)stageRank.size() == ranks * virtualStages);
  OrderRequest request{ranks, virtualStages, microbatches, stageRank, stages};
  return scheduleInfo(kind).buildOrder(request);
}

// Each transfer gets a slot: the end time of its producer when the compute
// order is played with unit costs (every F, B, W lasts 1, sends are free),
// so all times are integers. On the sender it goes right after its
// producer; on the receiver, before the first compute action starting at or
// after the slot. Comms between two compute actions form one group, sorted
// by (slot, kind, stage, mb). A receive names its sender's stage + 1
// (RecvAct) or - 1 (RecvGrad), one shift for the whole direction, so both
// ends of a (sender, receiver, direction) pair list their transfers in the
// same order and FIFO pairing is exact.
//
// Why it cannot deadlock: a group's slots lie in the idle gap between its
// neighbouring compute actions. If group X on rank x waits on rank y, rank y
// is stuck at a group Y before the group Z holding the partner; a compute
// action separates Y from Z, so max slot(Y) < min slot(Z) <= the shared
// slot <= max slot(X). Waits strictly decrease the max slot, so there is no
// cycle. (The verifier re-proves every program anyway.) Like Megatron-LM's
// send_forward_recv_backward, a send and the receives that fall in the same
// idle gap are posted together; unlike a fixed "sends of i + receives of
// i + 1" rule it stays deadlock-free for interleaved and V placements, where
// ranks form a ring of sends.
namespace {

/// Start step of every compute action when `order` is played with unit
/// costs: the simulator with F = B = W = 1 and free sends, so all times are
/// integers. start[r] lists rank r's compute actions that could play, in
/// program order (action index computeIndex[r][j]); complete is false when
/// some rank could not finish.
struct UnitReplay {
  std::vector<std::vector<int>> start, computeIndex;
  int makespan = 0;
  bool complete = true;
};

UnitReplay replayUnitCosts(const std::vector<RankProgram> &order,
                           const std::vector<int> &stageRank) {
  bool hasW = false;
  for (const RankProgram &p : order)
    for (const Action &a : p)
      hasW |= a.kind == Action::W;
  std::vector<Stage> unit(stageRank.size());
  for (size_t s = 0; s < unit.size(); ++s) {
    unit[s].rank = stageRank[s];
    unit[s].fwdUs = unit[s].bwdUs = 1;
    unit[s].wgradUs = hasW ? 1 : 0; // without W, B alone lasts 1
  }
  Simulation sim = simulateTimes(order, unit, hasW);
  UnitReplay out;
  out.complete = sim.complete;
  out.makespan = int(sim.makespanUs);
  out.start.resize(order.size());
  out.computeIndex.resize(order.size());
  for (size_t r = 0; r < order.size(); ++r) {
    // Slices are the compute actions that played, in program order.
    out.start[r].reserve(sim.slices[r].size());
    out.computeIndex[r].reserve(sim.slices[r].size());
    int i = 0;
    for (const Simulation::Slice &slice : sim.slices[r]) {
      while (order[r][i].kind > Action::W)
        ++i;
      out.start[r].push_back(int(slice.startUs));
      out.computeIndex[r].push_back(i++);
    }
  }
  return out;
}

/// A transfer on one rank: its slot, (kind - SendAct) << 30 | stage * m + mb
/// (so comparing code compares (kind, stage, mb)), and its peer.
struct Comm {
  int slot;
  unsigned code;
  int peer;
};

bool commBefore(const Comm &a, const Comm &b) {
  return a.slot != b.slot ? a.slot < b.slot : a.code < b.code;
}

} // namespace

std::vector<RankProgram>
insertTransfers(const std::vector<RankProgram> &computeOrder,
                const std::vector<int> &stageRank) {
  const int ranks = computeOrder.size(), stages = stageRank.size();
  UnitReplay replay = replayUnitCosts(computeOrder, stageRank);
  int m = 0;
  for (const RankProgram &p : computeOrder)
    for (const Action &a : p)
      m = std::max(m, a.mb + 1);
  assert((uint64_t)stages * m < (1u << 30) && "too many cells for Comm::code");
  // Which transfers the compute action j of rank r produces: bit 0 a
  // SendAct to the next stage's rank, bit 1 a SendGrad to the previous one.
  auto sendsOf = [&](int r, const Action &a) {
    int bits = 0;
    if (a.kind == Action::F && a.stage + 1 < stages &&
        stageRank[a.stage + 1] != r)
      bits |= 1;
    if (a.kind == Action::B && a.stage > 0 && stageRank[a.stage - 1] != r)
      bits |= 2;
    return bits;
  };
  // Exact comm counts per rank, then one flat array (no per-rank slack).
  std::vector<int> commOff(ranks + 1, 0);
  for (int r = 0; r < ranks; ++r)
    for (int j = 0, e = replay.start[r].size(); j < e; ++j) {
      const Action &a = computeOrder[r][replay.computeIndex[r][j]];
      int bits = sendsOf(r, a);
      if (bits & 1) {
        ++commOff[r + 1];
        ++commOff[stageRank[a.stage + 1] + 1];
      }
      if (bits & 2) {
        ++commOff[r + 1];
        ++commOff[stageRank[a.stage - 1] + 1];
      }
    }
  for (int r = 0; r < ranks; ++r)
    commOff[r + 1] += commOff[r];
  std::vector<Comm> comms(commOff[ranks]);
  std::vector<int> fill(commOff.begin(), commOff.end() - 1);
  // Every transfer is produced by the compute action ending at its slot.
  // Visiting the producers in slot order (and by rank within a slot; a rank
  // ends at most one unit action per step) appends each rank's comms in
  // nondecreasing slot order; only runs of equal slots then need sorting by
  // (kind, stage, mb).
  std::vector<int> cursor(ranks, 0);
  for (int t = 0; t <= replay.makespan; ++t)
    for (int r = 0; r < ranks; ++r) {
      int j = cursor[r];
      if (j >= (int)replay.start[r].size() || replay.start[r][j] != t)
        continue;
      cursor[r] = j + 1;
      const Action &a = computeOrder[r][replay.computeIndex[r][j]];
      int bits = sendsOf(r, a);
      if (!bits)
        continue;
      int slot = t + 1;
      // Each side names the stage on its own rank: the receive the consumer.
      unsigned cell = (unsigned)a.stage * m + a.mb;
      if (bits & 1) {
        int to = stageRank[a.stage + 1];
        comms[fill[r]++] = {slot, (0u << 30) | cell, to};       // SendAct
        comms[fill[to]++] = {slot, (1u << 30) | (cell + m), r}; // RecvAct
      }
      if (bits & 2) {
        int to = stageRank[a.stage - 1];
        comms[fill[r]++] = {slot, (2u << 30) | cell, to};       // SendGrad
        comms[fill[to]++] = {slot, (3u << 30) | (cell - m), r}; // RecvGrad
      }
    }
  auto actionOf = [&](const Comm &c) {
    unsigned cell = c.code & ((1u << 30) - 1);
    return Action{Action::Kind(Action::SendAct + (c.code >> 30)), int(cell / m),
                  int(cell % m), c.peer};
  };
  std::vector<RankProgram> programs(ranks);
  for (int r = 0; r < ranks; ++r) {
    Comm *cs = comms.data() + commOff[r];
    size_t n = commOff[r + 1] - commOff[r];
    for (size_t b = 0; b < n;) {
      size_t e = b + 1;
      while (e < n && cs[e].slot == cs[b].slot)
        ++e;
      if (e - b > 1)
        std::sort(cs + b, cs + e, commBefore);
      b = e;
    }
    RankProgram &out = programs[r];
    out.reserve(computeOrder[r].size() + n);
    size_t next = 0;
    // The replay lists rank r's compute actions in program order.
    for (int j = 0, e = replay.start[r].size(); j < e; ++j) {
      while (next < n && cs[next].slot <= replay.start[r][j])
        out.push_back(actionOf(cs[next++]));
      out.push_back(computeOrder[r][replay.computeIndex[r][j]]);
    }
    while (next < n)
      out.push_back(actionOf(cs[next++]));
    if (!replay.complete) // an order that cannot run: keep what did not play
      for (size_t i = replay.start[r].size(); i < computeOrder[r].size(); ++i)
        out.push_back(computeOrder[r][i]);
  }
  return programs;
}

std::vector<RankProgram> buildSchedule(ScheduleKind kind, int ranks,
                                       int virtualStages, int microbatches,
                                       const std::vector<int> &stageRank,
                                       const std::vector<Stage> *stages) {
  return insertTransfers(buildComputeOrder(kind, ranks, virtualStages,
                                           microbatches, stageRank, stages),
                         stageRank);
}

} // namespace pipe::plan
