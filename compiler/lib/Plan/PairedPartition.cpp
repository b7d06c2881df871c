//===- PairedPartition.cpp - Exact feasibility when each rank has 2 stages ===//
//
// With virtual = 2 every rank holds two stages, and only those two share a
// memory constraint. Deciding both stages of one rank at a time makes the
// search a dynamic program whose state is all the future depends on:
// - interleaved (rank r: stages r and R + r): fix x = the cut between the
//   two chains, then walk r = 0..R-1 with state (start of stage r, start of
//   stage R + r); rank r's memory is final once both are chosen.
// - zb-v (rank r: stages r and 2R - 1 - r): walk from both ends inward with
//   state (start of stage r, end of stage 2R - 1 - r); the last rank's two
//   stages meet at the V's tip.
// A failed state is remembered, so each is expanded once: polynomial, and
// exact because a state determines which completions are feasible.
//
//===----------------------------------------------------------------------===//
#include "PairedSearch.h"

#include <algorithm>

namespace pipe::plan {

PairedSearch::PairedSearch(const PartitionTables &t, bool vShape)
    : t(t), req(t.request), n(t.numCells()), R(req.ranks), vShape(vShape) {}

std::optional<bool> PairedSearch::applies(const PartitionRequest &req) {
  int R = req.ranks;
  if (req.numStages() != 2 * R)
    return std::nullopt;
  bool interleaved = true, v = true;
  for (int s = 0; s < 2 * R; ++s) {
    interleaved &= req.stageRank[s] == s % R;
    v &= req.stageRank[s] == (s < R ? s : 2 * R - 1 - s);
  }
  if (interleaved)
    return false;
  if (v)
    return true;
  return std::nullopt;
}

bool PairedSearch::fits(int r, int s1, int b1, int e1, int s2, int b2,
                        int e2) const {
  if (req.capacityBytes == kUnlimitedBytes)
    return true;
  int64_t need = t.additive(s1, b1, e1) + t.additive(s2, b2, e2) +
                 std::max(t.transient(b1, e1), t.transient(b2, e2));
  (void)r;
  return need <= req.capacityBytes;
}

bool PairedSearch::coverable(int b, int e, int k) const {
  if (b == e)
    return k == 0;
  return k >= 1 && e - b >= k && cover[b * (n + 1) + e] <= k;
}

bool PairedSearch::feasible(double T, std::vector<int> &bounds) {
  limit = T;
  // cover[a][e]: fewest stages of time <= T covering [a, e) (greedy).
  cover.assign(size_t(n + 1) * (n + 1), n + 1);
  std::vector<int> far(n + 1, 0);
  for (int a = 0; a < n; ++a) {
    int e = a;
    while (e < n && t.time(a, e + 1) <= T)
      ++e;
    far[a] = e;
  }
  for (int a = n - 1; a >= 0; --a)
    for (int e = a + 1; e <= n; ++e) {
      if (t.time(a, e) <= T)
        cover[a * (n + 1) + e] = 1;
      else if (far[a] > a && cover[far[a] * (n + 1) + e] <= n)
        cover[a * (n + 1) + e] = 1 + cover[far[a] * (n + 1) + e];
    }
  cuts.assign(2 * R + 1, 0);
  cuts[2 * R] = n;
  size_t states = size_t(R + 1) * (n + 1) * (n + 1);
  if (vShape) {
    failed.assign(states, 0);
    if (!solveV(0, 0, n))
      return false;
  } else {
    bool found = false;
    for (x = R; x <= n - R && !found; ++x) {
      if (!coverable(0, x, R) || !coverable(x, n, R))
        continue;
      failed.assign(states, 0);
      cuts[R] = x;
      found = solveInterleaved(0, 0, x);
    }
    if (!found)
      return false;
  }
  bounds = cuts;
  return true;
}

bool PairedSearch::solveInterleaved(int r, int a, int b) {
  if (r == R)
    return a == x && b == n;
  uint8_t &memo = failed[(size_t(r) * (n + 1) + a) * (n + 1) + b];
  if (memo)
    return false;
  int left = R - r - 1;
  for (int a2 = a + 1; a2 <= x - left && t.time(a, a2) <= limit; ++a2) {
    if (!coverable(a2, x, left))
      continue;
    for (int b2 = b + 1; b2 <= n - left && t.time(b, b2) <= limit; ++b2) {
      if (!coverable(b2, n, left) || !fits(r, r, a, a2, R + r, b, b2))
        continue;
      cuts[r + 1] = a2;
      cuts[R + r + 1] = b2;
      if (solveInterleaved(r + 1, a2, b2))
        return true;
    }
  }
  memo = 1;
  return false;
}

bool PairedSearch::solveV(int r, int a, int b) {
  uint8_t &memo = failed[(size_t(r) * (n + 1) + a) * (n + 1) + b];
  if (memo)
    return false;
  int s2 = 2 * R - 1 - r;
  if (r == R - 1) {
    // Stages R - 1 = [a, m) and R = [m, b) meet at the tip.
    for (int m = a + 1; m < b; ++m)
      if (t.time(a, m) <= limit && t.time(m, b) <= limit &&
          fits(r, r, a, m, s2, m, b)) {
        cuts[R] = m;
        return true;
      }
    memo = 1;
    return false;
  }
  int inner = 2 * (R - r - 1); // stages strictly between the pair
  for (int a2 = a + 1; a2 < b && t.time(a, a2) <= limit; ++a2)
    for (int b2 = b - 1; b2 - a2 >= inner && t.time(b2, b) <= limit; --b2) {
      if (!coverable(a2, b2, inner) || !fits(r, r, a, a2, s2, b2, b))
        continue;
      cuts[r + 1] = a2;
      cuts[s2] = b2;
      if (solveV(r + 1, a2, b2))
        return true;
    }
  memo = 1;
  return false;
}

} // namespace pipe::plan
