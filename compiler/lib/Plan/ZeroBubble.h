//===- ZeroBubble.h - Building blocks of the cost-aware zb orders -------===//
//
// Private to PipePlan. The zero-bubble orders (zb-h1, zb-h2, zb-v) are chosen
// by ScheduleZeroBubbleSearch.cpp among candidate orders built here:
//   - heldBackOrder: the paper's handcrafted shape for one stage per rank
//     (warm-up F count per rank, then B / W / F with W held back until
//     `hold` of them wait): ZB-H1 and ZB-H2 are two settings of it;
//   - listOrder: a list schedule played with the real stage costs (each rank,
//     when free, starts a ready B, else W if more than `hold` wait, else a
//     ready F within its limits, else a W to fill the gap);
//   - vShapeOrder: the paper's ZB-V shape for a V of two stages per rank.
// Each candidate is replayed with simulate()'s semantics (scoreOrder) and the
// best one that keeps the memory limit wins.
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_ZEROBUBBLE_H
#define PIPE_PLAN_ZEROBUBBLE_H

#include "pipe/Plan/Plan.h"

#include <climits>
#include <vector>

namespace pipe::plan::zb {

/// Per-stage costs and placement. `send[s]` is the time from stage s to
/// s + 1 (0 on the same rank or after the last stage).
struct Problem {
  int ranks = 0, m = 0, stages = 0;
  std::vector<int> rank;
  std::vector<double> f, b, w, send;
  /// Per rank its stages, highest first (the highest is nearest the loss,
  /// so its B is on the critical path).
  std::vector<std::vector<int>> chunks;
};

/// From the partitioned stages; stages without costs (all zero) get unit
/// costs (F = B = W = 1, free sends), the order pipec used before costs.
Problem makeProblem(int ranks, int m, const std::vector<Stage> &stages);
/// The same placement with unit costs.
Problem unitProblem(const Problem &p);

struct ListRules {
  std::vector<int> fbLimit;  ///< per rank: most chunk-mbs between F and B
  std::vector<int> memLimit; ///< per rank: most between F and W
  std::vector<int> hold;     ///< W before F once more than this many wait
  /// Per rank (empty: no bound): most F a lower chunk may run ahead of the
  /// chunk above it. Without it a V's ranks fill their memory with the
  /// first chunk's F and starve the return path (the paper's ZB-V warm-up
  /// runs 2(p - r) - 1 of them before the first second-chunk F).
  std::vector<int> ahead;
  /// false: a gap shorter than the W would delay the next known B or F, so
  /// the rank waits instead (the paper's "fill only if it fits" rule).
  bool fillShortGaps = true;
};

/// `kNoHold`: W only fills gaps (or frees memory), never before a ready F.
constexpr int kNoHold = INT_MAX;

std::vector<RankProgram> listOrder(const Problem &p, const ListRules &rules);

/// One stage per rank: rank r runs warmup[r] F, then for every B: B, the
/// oldest W while more than hold[r] wait, the next F; then the rest of W.
std::vector<RankProgram> heldBackOrder(const Problem &p,
                                       const std::vector<int> &warmup,
                                       const std::vector<int> &hold);

/// Two stages per rank on a V: the paper's ZB-V with `lead[r]` first-chunk F
/// before the first second-chunk F and `pairs[r]` F1 F0 pairs after them
/// (the paper: 2(p - r) - 1 and r); ScheduleZeroBubbleV.cpp.
std::vector<RankProgram> vShapeOrder(const Problem &p,
                                     const std::vector<int> &lead,
                                     const std::vector<int> &pairs);

struct Score {
  bool complete = false;
  double makespan = 0;
  double maxSpan = 0;        ///< the longest rank's first start to last end
  std::vector<int> peakLive; ///< per rank: most chunk-mbs between F and W
  double liveBytes = 0;      ///< sum over ranks of peak live activation bytes
};

/// Replays `order` with simulate()'s semantics and `p`'s costs.
Score scoreOrder(const Problem &p, const std::vector<RankProgram> &order,
                 const std::vector<Stage> *stages);

} // namespace pipe::plan::zb

#endif // PIPE_PLAN_ZEROBUBBLE_H
