//===- Schedule.cpp - gpipe, 1f1b and interleaved orders; transfers ------===//
#include "pipe/Plan/Schedule.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <tuple>

namespace pipe::plan {

// Defined in ScheduleZeroBubble.cpp.
std::vector<RankProgram>
buildZeroBubbleOrder(ScheduleKind kind, int ranks, int microbatches,
                     const std::vector<int> &stageRank);

const char *scheduleName(ScheduleKind kind) {
  switch (kind) {
  case ScheduleKind::GPipe:
    return "gpipe";
  case ScheduleKind::OneFOneB:
    return "1f1b";
  case ScheduleKind::Interleaved:
    return "interleaved";
  case ScheduleKind::ZBH1:
    return "zb-h1";
  case ScheduleKind::ZBV:
    return "zb-v";
  }
  return "?";
}

std::optional<ScheduleKind> parseScheduleKind(const std::string &name) {
  for (ScheduleKind k :
       {ScheduleKind::GPipe, ScheduleKind::OneFOneB, ScheduleKind::Interleaved,
        ScheduleKind::ZBH1, ScheduleKind::ZBV})
    if (name == scheduleName(k))
      return k;
  return std::nullopt;
}

bool scheduleHasW(ScheduleKind kind) {
  return kind == ScheduleKind::ZBH1 || kind == ScheduleKind::ZBV;
}

std::vector<int> stagePlacement(ScheduleKind kind, int ranks,
                                int virtualStages) {
  int stages = ranks * virtualStages;
  std::vector<int> rankOf(stages);
  for (int s = 0; s < stages; ++s)
    rankOf[s] = (kind == ScheduleKind::ZBV && s >= ranks) ? 2 * ranks - 1 - s
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

std::string describeAction(const Action &a) {
  std::string s = std::string(actionKindName(a.kind)) + "(" +
                  std::to_string(a.stage) + "," + std::to_string(a.mb) + ")";
  if (a.kind == Action::SendAct || a.kind == Action::SendGrad)
    s += "->" + std::to_string(a.peer);
  else if (a.kind == Action::RecvAct || a.kind == Action::RecvGrad)
    s += "<-" + std::to_string(a.peer);
  return s;
}

/// The stages each rank holds, in ascending order (its chunks).
static std::vector<std::vector<int>>
stagesByRank(int ranks, const std::vector<int> &stageRank) {
  std::vector<std::vector<int>> chunks(ranks);
  for (int s = 0, e = stageRank.size(); s < e; ++s)
    chunks[stageRank[s]].push_back(s);
  return chunks;
}

static Action compute(Action::Kind kind, int stage, int mb) {
  return Action{kind, stage, mb, -1};
}

static std::vector<RankProgram>
buildGPipe(int ranks, int m, const std::vector<std::vector<int>> &chunks) {
  std::vector<RankProgram> programs(ranks);
  for (int r = 0; r < ranks; ++r) {
    for (int s : chunks[r])
      for (int k = 0; k < m; ++k)
        programs[r].push_back(compute(Action::F, s, k));
    for (auto it = chunks[r].rbegin(); it != chunks[r].rend(); ++it)
      for (int k = 0; k < m; ++k)
        programs[r].push_back(compute(Action::B, *it, k));
  }
  return programs;
}

static std::vector<RankProgram>
build1F1B(int ranks, int m, const std::vector<std::vector<int>> &chunks) {
  std::vector<RankProgram> programs(ranks);
  for (int r = 0; r < ranks; ++r) {
    int stage = chunks[r].front();
    int warmup = std::min(ranks - r - 1, m);
    RankProgram &p = programs[r];
    for (int k = 0; k < warmup; ++k)
      p.push_back(compute(Action::F, stage, k));
    for (int i = 0; i < m - warmup; ++i) {
      p.push_back(compute(Action::F, stage, warmup + i));
      p.push_back(compute(Action::B, stage, i));
    }
    for (int k = m - warmup; k < m; ++k)
      p.push_back(compute(Action::B, stage, k));
  }
  return programs;
}

/// Megatron-LM's schedule table: (micro-batch, chunk) in forward order, in
/// groups of `group` micro-batches per chunk; the last group takes the rest.
static std::vector<std::pair<int, int>> megatronTable(int m, int v, int group) {
  std::vector<std::pair<int, int>> table;
  for (int first = 0; first < m; first += group) {
    int last = first + group >= m ? m : first + group;
    for (int c = 0; c < v; ++c)
      for (int k = first; k < last; ++k)
        table.emplace_back(k, c);
    if (last == m)
      break;
  }
  return table;
}

static std::vector<RankProgram>
buildInterleaved(int ranks, int v, int m,
                 const std::vector<std::vector<int>> &chunks) {
  // Megatron-LM needs m to be a multiple of ranks. Otherwise we build the
  // schedule for m rounded up and drop the padding micro-batches: deleting
  // whole micro-batches from a runnable order leaves a runnable order (every
  // remaining action's inputs still come before it), so this stays correct.
  int padded = (m + ranks - 1) / ranks * ranks;
  std::vector<RankProgram> programs(ranks);
  std::vector<std::pair<int, int>> table = megatronTable(padded, v, ranks);
  int total = padded * v;
  for (int r = 0; r < ranks; ++r) {
    RankProgram &p = programs[r];
    auto fwd = [&](int i) {
      auto [k, c] = table[i];
      p.push_back(compute(Action::F, chunks[r][c], k));
    };
    auto bwd = [&](int i) {
      auto [k, c] = table[i];
      p.push_back(compute(Action::B, chunks[r][v - 1 - c], k));
    };
    int warmup = std::min((ranks - r - 1) * 2 + (v - 1) * ranks, total);
    for (int i = 0; i < warmup; ++i)
      fwd(i);
    for (int i = 0; i < total - warmup; ++i) {
      fwd(warmup + i);
      bwd(i);
    }
    for (int i = total - warmup; i < total; ++i)
      bwd(i);
    p.erase(std::remove_if(p.begin(), p.end(),
                           [&](const Action &a) { return a.mb >= m; }),
            p.end());
  }
  return programs;
}

std::vector<RankProgram> buildComputeOrder(ScheduleKind kind, int ranks,
                                           int virtualStages, int microbatches,
                                           const std::vector<int> &stageRank) {
  assert(ranks >= 1 && virtualStages >= 1 && microbatches >= 1);
  assert((int)stageRank.size() == ranks * virtualStages);
  std::vector<std::vector<int>> chunks = stagesByRank(ranks, stageRank);
  switch (kind) {
  case ScheduleKind::GPipe:
    return buildGPipe(ranks, microbatches, chunks);
  case ScheduleKind::OneFOneB:
    if (virtualStages == 1)
      return build1F1B(ranks, microbatches, chunks);
    return buildInterleaved(ranks, virtualStages, microbatches, chunks);
  case ScheduleKind::Interleaved:
    return buildInterleaved(ranks, virtualStages, microbatches, chunks);
  case ScheduleKind::ZBH1:
  case ScheduleKind::ZBV:
    return buildZeroBubbleOrder(kind, ranks, microbatches, stageRank);
  }
  return {};
}

// Each transfer gets a slot: the end time of its producer when the compute
// order is played with unit costs (every F, B, W lasts 1, sends are free),
// so all times are integers. On the sender it goes right after its
// producer; on the receiver, before the first compute action starting at or
// after the slot. Comms between two compute actions form one group, sorted
// by (slot, stage, mb), so both ends of a (sender, receiver, direction) pair
// list their transfers in the same order and FIFO pairing is exact.
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
/// costs: simulate()'s semantics with F = B = W = 1 and free sends (so all
/// times are integers), without its bookkeeping. start[r] lists rank r's
/// compute actions that could play, in program order (action index
/// computeIndex[r][j]); complete is false when some rank could not finish.
struct UnitReplay {
  std::vector<std::vector<int>> start, computeIndex;
  int makespan = 0;
  bool complete = true;
};

UnitReplay replayUnitCosts(const std::vector<RankProgram> &order,
                           const std::vector<int> &stageRank) {
  const int ranks = order.size(), S = stageRank.size();
  int m = 0;
  for (const RankProgram &p : order)
    for (const Action &a : p)
      m = std::max(m, a.mb + 1);
  constexpr int kUnknown = -1;
  std::vector<int> endF((size_t)S * m, kUnknown), endB((size_t)S * m, kUnknown);
  UnitReplay out;
  out.start.resize(ranks);
  out.computeIndex.resize(ranks);
  for (int r = 0; r < ranks; ++r) {
    out.start[r].reserve(order[r].size());
    out.computeIndex[r].reserve(order[r].size());
  }
  std::vector<size_t> pc(ranks, 0);
  std::vector<int> free(ranks, 0), work;
  work.reserve(2 * ranks);
  for (int r = ranks - 1; r >= 0; --r)
    work.push_back(r);
  // Same worklist as simulate(): a rank runs until an input is missing and
  // is woken by the producer; the resulting times do not depend on the
  // order in which ranks are visited.
  while (!work.empty()) {
    int r = work.back();
    work.pop_back();
    const RankProgram &p = order[r];
    size_t i = pc[r];
    int t = free[r];
    for (; i < p.size(); ++i) {
      const Action &a = p[i];
      if (a.kind > Action::W)
        continue;
      size_t idx = (size_t)a.stage * m + a.mb;
      int ready = t;
      if (a.kind == Action::F) {
        if (a.stage > 0) {
          if (endF[idx - m] < 0)
            break;
          ready = std::max(ready, endF[idx - m]);
        }
      } else {
        if (endF[idx] < 0)
          break;
        ready = std::max(ready, endF[idx]);
        if (a.kind == Action::B && a.stage + 1 < S) {
          if (endB[idx + m] < 0)
            break;
          ready = std::max(ready, endB[idx + m]);
        }
        if (a.kind == Action::W) {
          if (endB[idx] < 0)
            break;
          ready = std::max(ready, endB[idx]);
        }
      }
      t = ready + 1;
      out.start[r].push_back(ready);
      out.computeIndex[r].push_back(int(i));
      if (a.kind == Action::F) {
        endF[idx] = t;
        if (a.stage + 1 < S)
          work.push_back(stageRank[a.stage + 1]);
      } else if (a.kind == Action::B) {
        endB[idx] = t;
        if (a.stage > 0)
          work.push_back(stageRank[a.stage - 1]);
      }
    }
    pc[r] = i;
    free[r] = t;
  }
  for (int r = 0; r < ranks; ++r) {
    out.makespan = std::max(out.makespan, free[r]);
    if (pc[r] < order[r].size())
      out.complete = false;
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
      unsigned cell = (unsigned)a.stage * m + a.mb;
      if (bits & 1) {
        int to = stageRank[a.stage + 1];
        comms[fill[r]++] = {slot, (0u << 30) | cell, to}; // SendAct
        comms[fill[to]++] = {slot, (1u << 30) | cell, r}; // RecvAct
      }
      if (bits & 2) {
        int to = stageRank[a.stage - 1];
        comms[fill[r]++] = {slot, (2u << 30) | cell, to}; // SendGrad
        comms[fill[to]++] = {slot, (3u << 30) | cell, r}; // RecvGrad
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
                                       const std::vector<int> &stageRank) {
  return insertTransfers(
      buildComputeOrder(kind, ranks, virtualStages, microbatches, stageRank),
      stageRank);
}

} // namespace pipe::plan
