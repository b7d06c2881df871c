//===- ScheduleZeroBubble.cpp - zb-h1 and zb-v orders (Qi et al.) -------===//
//
// The order is found by playing a list schedule with unit costs (F = B = W =
// 1, free sends), so it depends only on (ranks, micro-batches, placement).
// At every unit step each rank starts, in priority order:
//   1. a ready B (highest stage first: it is on the critical path),
//   2. a ready F, if fewer than `limit` micro-batches are between their F and
//      their B on this rank (zb-h1: ranks - r, 1F1B's count; zb-v: 2 * ranks
//      chunk-micro-batches, i.e. 1F1B's first-rank activation bytes since a
//      V chunk is half of a rank's layers),
//   3. the oldest pending W,
// and idles otherwise. Deferring W into the slots 1F1B leaves idle is what
// removes the bubble (ZB-H1: (p-1)/(3m+p-1) with F = B = W).
//===----------------------------------------------------------------------===//
#include "ScheduleBuilders.h"

#include <deque>

namespace pipe::plan {

/// The list schedule above, with the in-flight limit of `kind`'s row.
static std::vector<RankProgram> buildZeroBubbleOrder(ScheduleKind kind,
                                                     const OrderRequest &req) {
  const std::vector<int> &stageRank = req.stageRank;
  const int ranks = req.ranks, stages = stageRank.size(), m = req.microbatches;
  int (*inFlightLimit)(int, int) = scheduleInfo(kind).inFlightLimit;
  constexpr int kNotYet = 1 << 30;
  // End step of F(s, k) and B(s, k); kNotYet until scheduled.
  std::vector<int> endF(stages * m, kNotYet), endB(stages * m, kNotYet);
  std::vector<std::vector<int>> chunks(ranks);
  for (int s = stages - 1; s >= 0; --s) // highest stage first
    chunks[stageRank[s]].push_back(s);
  std::vector<std::vector<int>> nextF(ranks), nextB(ranks);
  std::vector<std::deque<Action>> pendingW(ranks);
  std::vector<int> inFlight(ranks, 0), remaining(ranks);
  std::vector<int> limit(ranks);
  for (int r = 0; r < ranks; ++r) {
    nextF[r].assign(chunks[r].size(), 0);
    nextB[r].assign(chunks[r].size(), 0);
    remaining[r] = 3 * m * chunks[r].size();
    limit[r] = inFlightLimit(ranks, r);
  }
  std::vector<RankProgram> programs(ranks);
  for (int r = 0; r < ranks; ++r) // exact size: no regrowth, no copies
    programs[r].reserve(remaining[r]);
  int left = 3 * m * stages;
  for (int t = 0; left > 0; ++t) {
    bool progressed = false;
    // Every rank decides on ends <= t; what starts now ends at t + 1, so the
    // order in which ranks decide within a step does not matter.
    for (int pass = 0; pass < 2 && !progressed; ++pass) {
      // pass 1 only runs when nobody could move: lift the in-flight limit
      // rather than stall (never needed for the limits above).
      for (int r = 0; r < ranks; ++r) {
        if (remaining[r] == 0)
          continue;
        const std::vector<int> &cs = chunks[r];
        Action pick{Action::W, -1, -1, -1};
        for (size_t c = 0; c < cs.size() && pick.stage < 0; ++c) {
          int s = cs[c], k = nextB[r][c];
          if (k < m && endF[s * m + k] <= t &&
              (s + 1 == stages || endB[(s + 1) * m + k] <= t)) {
            pick = {Action::B, s, k, -1};
            ++nextB[r][c];
          }
        }
        if (pick.stage < 0 && (inFlight[r] < limit[r] || pass == 1)) {
          for (size_t c = 0; c < cs.size() && pick.stage < 0; ++c) {
            int s = cs[c], k = nextF[r][c];
            if (k < m && (s == 0 || endF[(s - 1) * m + k] <= t)) {
              pick = {Action::F, s, k, -1};
              ++nextF[r][c];
            }
          }
        }
        if (pick.stage < 0 && !pendingW[r].empty()) {
          pick = pendingW[r].front();
          pendingW[r].pop_front();
        }
        if (pick.stage < 0)
          continue;
        int idx = pick.stage * m + pick.mb;
        if (pick.kind == Action::F) {
          endF[idx] = t + 1;
          ++inFlight[r];
        } else if (pick.kind == Action::B) {
          endB[idx] = t + 1;
          --inFlight[r];
          pendingW[r].push_back({Action::W, pick.stage, pick.mb, -1});
        }
        programs[r].push_back(pick);
        --remaining[r];
        --left;
        progressed = true;
      }
    }
    if (!progressed)
      break; // unreachable for valid placements; the verifier would reject
  }
  return programs;
}

std::vector<RankProgram> buildZBH1Order(const OrderRequest &request) {
  return buildZeroBubbleOrder(ScheduleKind::ZBH1, request);
}

std::vector<RankProgram> buildZBVOrder(const OrderRequest &request) {
  return buildZeroBubbleOrder(ScheduleKind::ZBV, request);
}

} // namespace pipe::plan
