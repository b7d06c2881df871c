//===- BalancedPartition.cpp - The exact min-max stage-time split --------===//
//
// Problem: choose 0 = c0 < c1 < ... < cS = n minimising max_s time(c_s,
// c_{s+1}) subject to every rank's memory (Partition.h) <= capacity.
//
// 1. Relaxation. Rank memory >= stage s's own additive part + transient +
//    the other stages' additive parts on its rank, and each of those is >=
//    its additiveLowerBound. So every feasible split also satisfies, stage by
//    stage, own(s) <= cap - (lower bounds of the rank's other stages). That
//    per-stage constraint decouples the stages, and a DP over (stage, end
//    cell) finds the optimum T* of the relaxation exactly in O(S n^2).
//    T* <= OPT. If the relaxation's split fits the real constraint it is
//    optimal. With virtual = 1 every rank has one stage, the relaxation is
//    the problem itself, and this step always decides it.
// 2. Otherwise (stages sharing a rank interact), binary search on T over the
//    sorted interval times >= T* (the optimum is one of them), with an exact
//    feasibility test: a depth-first search over the cuts in stage order
//    that prunes only what cannot lead to a feasible split:
//    - a stage longer than T;
//    - a remainder [e, n) that cannot be cut into the remaining k stages of
//      time <= T: possible iff greedy(e) <= k <= n - e, where greedy is the
//      fewest stages (taking the longest fitting stage each time is optimal
//      for covering with nonnegative weights, and splitting a stage further
//      never raises its time);
//    - a rank whose memory so far plus the lower bounds of its later stages
//      already exceeds the capacity;
//    - a state (stage, cut, memory so far of the ranks with later stages)
//      that dominates one already proven infeasible: memory so far only
//      enters the constraints as "so far + later <= cap", so more of it can
//      never help.
//    Feasibility is monotone in T, so the binary search finds the smallest
//    feasible candidate, which is the optimum. This search is exponential in
//    the worst case; for virtual = 2 (interleaved or zb-v placement), where
//    it matters, PairedSearch (PairedPartition.cpp) decides feasibility
//    instead by a polynomial dynamic program over both stages of a rank.
//
//===----------------------------------------------------------------------===//
#include "PairedSearch.h"
#include "PartitionTables.h"

#include <algorithm>
#include <limits>
#include <optional>

using namespace llvm;

namespace pipe::plan {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

class BalancedSearch {
public:
  BalancedSearch(const PartitionTables &t)
      : t(t), req(t.request), n(t.numCells()), S(req.numStages()) {
    lower.resize(S);
    for (int s = 0; s < S; ++s)
      lower[s] = t.additiveLowerBound(s);
    // Lower bounds of each rank's stages after s.
    laterLower.assign(S + 1, std::vector<int64_t>(req.ranks, 0));
    for (int s = S - 1; s >= 0; --s) {
      laterLower[s] = laterLower[s + 1];
      if (s + 1 < S)
        laterLower[s][req.stageRank[s + 1]] += lower[s + 1];
    }
    stageCap = relaxedStageCapacities(t); // step 1's per-stage limits
    // Ranks that still have a stage at index >= s.
    activeRanks.resize(S + 1);
    for (int s = 0; s < S; ++s)
      for (int s2 = s; s2 < S; ++s2)
        if (std::find(activeRanks[s].begin(), activeRanks[s].end(),
                      req.stageRank[s2]) == activeRanks[s].end())
          activeRanks[s].push_back(req.stageRank[s2]);
  }

  /// Step 1: the relaxation's optimum and split (empty when none).
  double relaxed(std::vector<int> &bounds) const {
    std::vector<double> best((S + 1) * (n + 1), kInf);
    std::vector<int> from((S + 1) * (n + 1), -1);
    best[0] = 0;
    for (int s = 0; s < S; ++s)
      for (int e = s + 1; e <= n - (S - s - 1); ++e)
        for (int b = s; b < e; ++b) {
          double prev = best[s * (n + 1) + b];
          if (prev == kInf || !fitsAlone(s, b, e))
            continue;
          double v = std::max(prev, t.time(b, e));
          if (v < best[(s + 1) * (n + 1) + e]) {
            best[(s + 1) * (n + 1) + e] = v;
            from[(s + 1) * (n + 1) + e] = b;
          }
        }
    double opt = best[S * (n + 1) + n];
    bounds.clear();
    if (opt == kInf)
      return kInf;
    bounds.assign(S + 1, 0);
    bounds[S] = n;
    for (int s = S; s > 0; --s)
      bounds[s - 1] = from[s * (n + 1) + bounds[s]];
    return opt;
  }

  bool fitsReal(const std::vector<int> &bounds) const {
    for (int64_t bytes : rankMemory(t, bounds))
      if (bytes > req.capacityBytes)
        return false;
    return true;
  }

  /// Step 2: is there a split with every stage <= T that fits? Fills bounds.
  bool feasible(double T, std::vector<int> &bounds) {
    limit = T;
    greedy.assign(n + 1, n + 1);
    greedy[n] = 0;
    for (int c = n - 1; c >= 0; --c) {
      int e = c;
      while (e < n && t.time(c, e + 1) <= T)
        ++e;
      if (e > c && greedy[e] <= n)
        greedy[c] = 1 + greedy[e];
    }
    failed.assign(size_t(S) * (n + 1), {});
    used.assign(req.ranks, 0);
    peak.assign(req.ranks, 0);
    cuts.assign(S + 1, 0);
    cuts[S] = n;
    if (!search(0, 0))
      return false;
    bounds = cuts;
    return true;
  }

private:
  bool fitsAlone(int s, int b, int e) const {
    if (stageCap[s] == kUnlimitedBytes)
      return true;
    return t.additive(s, b, e) + t.transient(b, e) <= stageCap[s];
  }

  bool search(int s, int c) {
    if (s == S)
      return c == n;
    std::vector<int64_t> key = snapshot(s);
    for (const std::vector<int64_t> &f : failed[size_t(s) * (n + 1) + c])
      if (dominates(key, f))
        return false;
    int r = req.stageRank[s], left = S - s - 1;
    for (int e = c + 1; e <= n - left && t.time(c, e) <= limit; ++e) {
      if (greedy[e] > left)
        continue;
      int64_t add = t.additive(s, c, e), tr = t.transient(c, e);
      int64_t newUsed = used[r] + add, newPeak = std::max(peak[r], tr);
      if (req.capacityBytes != kUnlimitedBytes &&
          newUsed + newPeak + laterLower[s][r] > req.capacityBytes)
        continue;
      int64_t oldUsed = used[r], oldPeak = peak[r];
      used[r] = newUsed;
      peak[r] = newPeak;
      cuts[s + 1] = e;
      bool ok = search(s + 1, e);
      used[r] = oldUsed;
      peak[r] = oldPeak;
      if (ok)
        return true;
    }
    failed[size_t(s) * (n + 1) + c].push_back(std::move(key));
    return false;
  }

  std::vector<int64_t> snapshot(int s) const {
    std::vector<int64_t> key;
    for (int r : activeRanks[s]) {
      key.push_back(used[r]);
      key.push_back(peak[r]);
    }
    return key;
  }
  static bool dominates(const std::vector<int64_t> &a,
                        const std::vector<int64_t> &b) {
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i] < b[i])
        return false;
    return true;
  }

  const PartitionTables &t;
  const PartitionRequest &req;
  int n, S;
  std::vector<int64_t> lower, stageCap;
  std::vector<std::vector<int64_t>> laterLower;
  std::vector<std::vector<int>> activeRanks;
  // Search state.
  double limit = 0;
  std::vector<int> greedy, cuts;
  std::vector<int64_t> used, peak;
  std::vector<std::vector<std::vector<int64_t>>> failed;
};

/// The split that best balances memory, to describe an infeasible strategy:
/// minimises the largest single-stage memory (exact when virtual = 1).
std::vector<int> memoryBalancedSplit(const PartitionTables &t) {
  const PartitionRequest &req = t.request;
  int n = t.numCells(), S = req.numStages();
  const int64_t inf = kUnlimitedBytes;
  std::vector<int64_t> best((S + 1) * (n + 1), inf);
  std::vector<int> from((S + 1) * (n + 1), -1);
  best[0] = 0;
  for (int s = 0; s < S; ++s)
    for (int e = s + 1; e <= n - (S - s - 1); ++e)
      for (int b = s; b < e; ++b) {
        int64_t prev = best[s * (n + 1) + b];
        if (prev == inf)
          continue;
        int64_t v = std::max(prev, t.additive(s, b, e) + t.transient(b, e));
        if (v < best[(s + 1) * (n + 1) + e]) {
          best[(s + 1) * (n + 1) + e] = v;
          from[(s + 1) * (n + 1) + e] = b;
        }
      }
  std::vector<int> bounds(S + 1, 0);
  bounds[S] = n;
  for (int s = S; s > 0; --s)
    bounds[s - 1] = from[s * (n + 1) + bounds[s]];
  return bounds;
}

Error infeasible(const PartitionTables &t, const PartitionRequest &request) {
  std::vector<int> bounds = memoryBalancedSplit(t);
  std::vector<int64_t> bytes = rankMemory(t, bounds);
  auto worst = std::max_element(bytes.begin(), bytes.end());
  return make_error<InfeasibleMemoryError>(
      int(worst - bytes.begin()), *worst + request.rankBaseBytes,
      request.capacityBytes, request.recompute,
      "no split of the cells fits; the split that "
      "balances memory best");
}

} // namespace

Expected<Partition> partitionBalanced(const std::vector<CellCost> &cells,
                                      const PartitionRequest &original) {
  if (Error err = checkStageCount(cells.size(), original))
    return std::move(err);
  if (cells.size() > kTableCells)
    return partitionBalancedLinear(cells, original);
  // The searches see the capacity left after the rank's base bytes.
  PartitionRequest request = searchRequest(original);
  PartitionTables t(cells, request);
  BalancedSearch search(t);
  std::vector<int> bounds;
  double relaxedOpt = search.relaxed(bounds);
  if (relaxedOpt == kInf)
    return infeasible(t, original);
  if (search.fitsReal(bounds))
    return evaluatePartition(cells, original, std::move(bounds));

  // Candidates: every interval time >= the relaxation's optimum.
  int n = int(cells.size());
  std::vector<double> candidates;
  for (int b = 0; b < n; ++b)
    for (int e = b + 1; e <= n; ++e)
      if (t.time(b, e) >= relaxedOpt)
        candidates.push_back(t.time(b, e));
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()),
                   candidates.end());
  std::optional<bool> paired = PairedSearch::applies(request);
  std::optional<PairedSearch> pairs;
  if (paired)
    pairs.emplace(t, *paired);
  auto feasible = [&](double T, std::vector<int> &out) {
    return pairs ? pairs->feasible(T, out) : search.feasible(T, out);
  };
  if (!feasible(candidates.back(), bounds))
    return infeasible(t, original);
  size_t lo = 0, hi = candidates.size() - 1; // hi is feasible
  std::vector<int> best = bounds;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (feasible(candidates[mid], bounds)) {
      hi = mid;
      best = bounds;
    } else {
      lo = mid + 1;
    }
  }
  return evaluatePartition(cells, original, std::move(best));
}

} // namespace pipe::plan
