//===- Replay.h - The one replay loop of pipec.md's simulation ----------===//
//
// Private to PipePlan. Plays rank programs with the simulation semantics of
// the plan: each rank runs its compute actions in order, an action starts
// when its rank is free and its inputs are ready (F(s-1,k) for F(s,k);
// F(s,k) and B(s+1,k) for B(s,k); B(s,k) for W(s,k)), sends delay the
// consumer but never occupy a rank. simulate() and the zero-bubble search's
// scoring both call it, with their own cost lookups, so there is one loop.
//
// A rank runs until an action's input is not ready, then waits for the rank
// that produces it; the start times do not depend on the visiting order.
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_REPLAY_H
#define PIPE_PLAN_REPLAY_H

#include "pipe/Plan/Plan.h"

#include <algorithm>
#include <vector>

namespace pipe::plan {

/// Replays `programs` over `stages` stages and `m` micro-batches. Callbacks:
///   rankOf(s)     the rank running stage s;
///   duration(a)   a compute action's time;
///   send(s)       the delay from stage s to s + 1 (0 on one rank);
///   onSlice(r, a, start, dur) each action played, in rank order.
/// Non-compute actions (transfers) are skipped. Returns each rank's end time;
/// `done[r]` tells how many of rank r's actions were reached (a rank that
/// stops early is deadlocked).
template <typename RankOf, typename Duration, typename Send, typename OnSlice>
std::vector<double> replayPrograms(const std::vector<RankProgram> &programs,
                                   int stages, int m, RankOf rankOf,
                                   Duration duration, Send send,
                                   OnSlice onSlice, std::vector<size_t> &done) {
  const int ranks = programs.size();
  const double unknown = -1;
  std::vector<double> endF((size_t)stages * m, unknown),
      endB((size_t)stages * m, unknown), freeAt(ranks, 0);
  done.assign(ranks, 0);
  std::vector<int> work;
  for (int r = ranks - 1; r >= 0; --r)
    work.push_back(r);
  while (!work.empty()) {
    int r = work.back();
    work.pop_back();
    const RankProgram &p = programs[r];
    size_t &pc = done[r];
    for (; pc < p.size(); ++pc) {
      const Action &a = p[pc];
      if (a.kind > Action::W)
        continue;
      size_t i = (size_t)a.stage * m + a.mb;
      double ready = freeAt[r];
      if (a.kind == Action::F) {
        if (a.stage > 0) {
          if (endF[i - m] < 0)
            break;
          ready = std::max(ready, endF[i - m] + send(a.stage - 1));
        }
      } else {
        if (endF[i] < 0)
          break;
        ready = std::max(ready, endF[i]);
        if (a.kind == Action::B && a.stage + 1 < stages) {
          if (endB[i + m] < 0)
            break;
          ready = std::max(ready, endB[i + m] + send(a.stage));
        }
        if (a.kind == Action::W) {
          if (endB[i] < 0)
            break;
          ready = std::max(ready, endB[i]);
        }
      }
      double dur = duration(a), end = ready + dur;
      freeAt[r] = end;
      onSlice(r, a, ready, dur);
      if (a.kind == Action::F) {
        endF[i] = end;
        if (a.stage + 1 < stages && rankOf(a.stage + 1) != r)
          work.push_back(rankOf(a.stage + 1));
      } else if (a.kind == Action::B) {
        endB[i] = end;
        if (a.stage > 0 && rankOf(a.stage - 1) != r)
          work.push_back(rankOf(a.stage - 1));
      }
    }
  }
  return freeAt;
}

} // namespace pipe::plan

#endif // PIPE_PLAN_REPLAY_H
