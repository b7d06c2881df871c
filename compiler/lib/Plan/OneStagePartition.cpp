//===- OneStagePartition.cpp - Exact min-max split in linear memory ------===//
//
// When every rank holds one stage (virtual = 1) each stage's memory is its
// rank's memory, so a split is feasible for a bottleneck T iff every stage
// has time <= T and fits the capacity on its own. With stages sharing ranks
// the same search solves BalancedPartition.cpp's relaxation (each stage
// within the capacity its rank's other stages leave at least), whose
// optimum is exact whenever its split fits every rank. In O(cells x ranks) memory
// and about O(S n log(1/eps) + n L) time (L = cells per stage), unlike
// BalancedSearch's (n+1)^2 interval table:
//
// - Feasibility of T: for a stage s starting at cell b, the ends e that fit
//   form one range [b + 1, far_s(b)], because an interval's time (a sum of
//   non-negative cell times, left to right from b, as PartitionTables::time)
//   and memory only grow with e. So the cuts reachable after s + 1 stages are
//   a union of ranges over the cuts reachable after s: one pass with a
//   difference array per stage, O(S n), and walking back recovers a split.
// - The optimum T* is some interval's time (feasibility only changes there).
//   Listing all n^2 is what costs the table, so first bracket T*: bisection
//   with the prefix-sum time P[e] - P[b], which is within delta of the true
//   time (delta bounds the rounding of both sums), gives lo with T* > lo and
//   hi with T* <= hi, hi - lo a few delta. The intervals whose time falls in
//   (lo, hi] are few (ties aside), found by walking each start b until its
//   time passes hi; a binary search over them with the exact test (times
//   summed from b as above) finds the smallest feasible one, T*.
//
// Times compared are the very doubles PartitionTables::time gives, so the
// result is optimal for the same stage times the other searches use.
//
//===----------------------------------------------------------------------===//
#include "PartitionTables.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

using namespace llvm;

namespace pipe::plan {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

class OneStageSearch {
public:
  OneStageSearch(const PartitionTables &t)
      : t(t), req(t.request), n(t.numCells()), S(req.numStages()) {
    prefix.assign(n + 1, 0);
    for (int c = 0; c < n; ++c)
      prefix[c + 1] = prefix[c] + t.cellTime(c);
    // |prefix difference - time| <= (3n + 2) u P[n]; twice that, for margin.
    delta = (2.0 * n + 8) * DBL_EPSILON * prefix[n];
    reach.assign(size_t(S + 1) * (n + 1), 0);
    farTime.assign(n + 1, n);
    farSure.assign(n + 1, n);
    for (int c = 0; c < n; ++c)
      maxCell = std::max(maxCell, t.cellTime(c));
  }

  /// Ends within the capacity for stage s starting at b: memFar[s][b].
  void computeMemoryLimits(int64_t cap) {
    computeMemoryLimits(std::vector<int64_t>(S, cap));
  }
  /// The same with a capacity per stage (kUnlimitedBytes: none).
  void computeMemoryLimits(const std::vector<int64_t> &caps) {
    memFar.clear();
    if (llvm::all_of(caps, [](int64_t c) { return c == kUnlimitedBytes; }))
      return;
    memFar.assign(size_t(S) * (n + 1), 0);
    for (int s = 0; s < S; ++s) {
      int *far = &memFar[size_t(s) * (n + 1)];
      int64_t cap = caps[s];
      auto fits = [&](int b, int e) {
        return cap == kUnlimitedBytes ||
               t.additive(s, b, e) + t.transient(b, e) <= cap;
      };
      if (!req.recompute) {
        // [b', e) within [b, e) for b' > b: far only grows with b.
        int e = 0;
        for (int b = 0; b < n; ++b) {
          e = std::max(e, b);
          while (e < n && fits(b, e + 1))
            ++e;
          far[b] = e;
        }
      } else {
        // The kept input depends on b alone: a binary search per start.
        for (int b = 0; b < n; ++b) {
          int lo = b, hi = n; // fits(b, lo) or lo == b; find the last
          while (lo < hi) {
            int mid = lo + (hi - lo + 1) / 2;
            if (fits(b, mid))
              lo = mid;
            else
              hi = mid - 1;
          }
          far[b] = lo;
        }
      }
    }
  }

  enum class Times { Unbounded, Prefix, Exact };

  /// Is there a split with every stage time <= T (as `how` measures it) that
  /// fits memFar? Fills `bounds` when it is.
  bool feasible(double T, Times how, std::vector<int> *bounds = nullptr) {
    fillFarTime(T, how);
    std::fill(reach.begin(), reach.end(), 0);
    reach[0] = 1;
    int last = 0; // the furthest cut reachable after s stages
    for (int s = 0; s < S; ++s) {
      const uint8_t *from = &reach[size_t(s) * (n + 1)];
      uint8_t *to = &reach[size_t(s + 1) * (n + 1)];
      int limit = n - (S - s - 1); // leave a cell for each later stage
      // Sweep the ends: e is reachable iff some reachable b < e reaches it,
      // i.e. the furthest end over the starts before e is >= e.
      int furthest = -1, top = std::min(last, limit - 1);
      last = -1;
      for (int e = s + 1; e <= limit; ++e) {
        int b = e - 1;
        if (b <= top && from[b])
          furthest = std::max(furthest, std::min(far(s, b), limit));
        if (furthest >= e) {
          to[e] = 1;
          last = e;
        } else if (b >= top) {
          break;
        }
      }
      if (last < 0)
        return false;
    }
    if (!reach[size_t(S) * (n + 1) + n])
      return false;
    if (bounds) {
      bounds->assign(S + 1, 0);
      (*bounds)[S] = n;
      for (int s = S, e = n; s > 0; --s) {
        const uint8_t *from = &reach[size_t(s - 1) * (n + 1)];
        int b = e - 1;
        while (!(from[b] && far(s - 1, b) >= e))
          --b;
        (*bounds)[s - 1] = e = b;
      }
    }
    return true;
  }

  /// The smallest feasible interval time and its split; false if none.
  bool optimum(std::vector<int> &bounds) {
    double top = prefix[n]; // no interval's time exceeds the whole sum
    if (!feasible(kInf, Times::Unbounded))
      return false;
    // Bracket: feasible(T, Prefix) is false only if T* > T (prefix times
    // are shifted down by delta), and true implies T* <= T + 2 delta.
    // T* >= the largest cell and >= the exact sum / S >= (P[n] - delta) / S.
    double lo = std::nextafter(std::max(maxCell, (top - 2 * delta) / S), -kInf);
    double hi = top;
    // Without memory limits a stage of T* + maxCell always fits (the greedy
    // cover); try that first, it saves most of the bisection.
    double guess = std::max(maxCell, top / S) + maxCell + 4 * delta;
    if (guess < hi && feasible(guess, Times::Prefix))
      hi = guess;
    for (int it = 0; it < 200 && hi - lo > delta; ++it) {
      double mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi)
        break;
      (feasible(mid, Times::Prefix) ? hi : lo) = mid;
    }
    hi = std::min(top, hi + 3 * delta);
    // All times 0: every split is optimal (and walking would be quadratic).
    std::vector<double> cands =
        top == 0 ? std::vector<double>{0.0} : candidates(lo, hi);
    size_t a = 0, b = cands.size() - 1; // cands[b] >= T*: feasible
    while (a < b) {
      size_t mid = (a + b) / 2;
      if (feasible(cands[mid], Times::Exact))
        b = mid;
      else
        a = mid + 1;
    }
    bool ok = feasible(cands[a], Times::Exact, &bounds);
    (void)ok;
    return true;
  }

  /// A split minimising the largest stage memory, for the error message.
  std::vector<int> memoryBalanced() {
    // lo infeasible; hi bounds every interval's memory, so it is feasible.
    int64_t lo = -1, hi = 0;
    for (int s = 0; s < S; ++s)
      hi = std::max(hi, t.state(0, n) + t.maxTransient() +
                            allocationBytes(req.inFlight[s] * t.maxKeep()));
    while (hi - lo > 1) {
      int64_t mid = lo + (hi - lo) / 2;
      computeMemoryLimits(mid);
      (feasible(kInf, Times::Unbounded) ? hi : lo) = mid;
    }
    std::vector<int> bounds;
    computeMemoryLimits(hi);
    feasible(kInf, Times::Unbounded, &bounds);
    return bounds;
  }

private:
  int far(int s, int b) {
    int f = farTime[b];
    if (f < 0)
      f = farTime[b] = exactFar(b);
    return memFar.empty() ? f : std::min(f, memFar[size_t(s) * (n + 1) + b]);
  }

  /// The last e with prefix[e] - prefix[b] <= limit, for every b (the
  /// difference only grows with e and shrinks with b: two pointers).
  void prefixFar(double limit, std::vector<int> &out) const {
    int e = 0;
    for (int b = 0; b < n; ++b) {
      e = std::max(e, b);
      while (e < n && prefix[e + 1] - prefix[b] <= limit)
        ++e;
      out[b] = e;
    }
  }

  void fillFarTime(double T, Times how) {
    if (how == Times::Unbounded) {
      std::fill(farTime.begin(), farTime.end(), n);
      return;
    }
    // Prefix: the prefix time shifted down by delta.
    prefixFar(T + delta, farTime);
    if (how == Times::Prefix)
      return;
    // Exact: the true far lies in [farSure, farTime]; where those differ,
    // far() sums the interval when the sweep first needs it, so the cost is
    // the ambiguous starts (ties with T), not every start.
    prefixFar(T - delta, farSure);
    limitT = T;
    for (int b = 0; b < n; ++b)
      if (farSure[b] < farTime[b])
        farTime[b] = -1 - farTime[b];
  }

  /// The last e with time(b, e) <= limitT, given farTime[b] = -1 - bound.
  int exactFar(int b) const {
    int bound = -1 - farTime[b];
    double sum = 0;
    int e = b;
    while (e < bound && sum + t.cellTime(e) <= limitT)
      sum += t.cellTime(e++);
    return e;
  }

  /// Distinct interval times in (lo, hi], ascending. Only intervals whose
  /// prefix time lies in (lo - delta, hi + delta] can qualify, so only their
  /// starts are summed.
  std::vector<double> candidates(double lo, double hi) {
    std::vector<double> out;
    auto compact = [&] {
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
    };
    prefixFar(lo - delta, farSure);
    prefixFar(hi + delta, farTime);
    for (int b = 0; b < n; ++b) {
      if (farSure[b] >= farTime[b])
        continue;
      double sum = 0;
      for (int e = b; e < farTime[b]; ++e) {
        sum += t.cellTime(e);
        if (sum > hi)
          break;
        if (sum > lo)
          out.push_back(sum);
      }
      if (out.size() > (size_t(1) << 20)) // ties: keep the list small
        compact();
    }
    compact();
    return out;
  }

  const PartitionTables &t;
  const PartitionRequest &req;
  int n, S;
  double delta;
  std::vector<double> prefix;
  double maxCell = 0, limitT = 0;
  // farTime[b]: the last end within the time limit, or -1 - (an upper bound)
  // while unresolved; farSure[b]: a lower bound.
  std::vector<int> farTime, farSure, memFar;
  std::vector<uint8_t> reach;
};

bool onePerRank(const PartitionRequest &req) {
  if (req.numStages() != req.ranks)
    return false;
  std::vector<bool> seen(req.ranks, false);
  for (int r : req.stageRank) {
    if (r < 0 || r >= req.ranks || seen[r])
      return false;
    seen[r] = true;
  }
  return true;
}

} // namespace

Expected<Partition> partitionBalancedLinear(const std::vector<CellCost> &cells,
                                            const PartitionRequest &original) {
  if (Error err = checkStageCount(cells.size(), original))
    return std::move(err);
  PartitionRequest request = searchRequest(original);
  PartitionTables t(cells, request, /*timeTable=*/false);
  OneStageSearch search(t);
  search.computeMemoryLimits(relaxedStageCapacities(t));
  std::vector<int> bounds;
  if (!search.optimum(bounds)) {
    search.computeMemoryLimits(request.capacityBytes);
    bounds = search.memoryBalanced();
    std::vector<int64_t> bytes = rankMemory(t, bounds);
    auto worst = std::max_element(bytes.begin(), bytes.end());
    return make_error<InfeasibleMemoryError>(
        int(worst - bytes.begin()), *worst + original.rankBaseBytes,
        original.capacityBytes, original.recompute,
        "no split of the cells fits; the split that balances memory best");
  }
  // The relaxation's optimum is a lower bound: a split of it that fits every
  // rank is optimal. Otherwise stages sharing a rank compete for its memory,
  // which only the interval-table searches decide.
  if (!onePerRank(request))
    for (int64_t bytes : rankMemory(t, bounds))
      if (bytes > request.capacityBytes)
        return createStringError(
            inconvertibleErrorCode(),
            formatv("the memory limit binds between stages that share a "
                    "rank; the exact balanced search for that takes an "
                    "interval table and is limited to {0} cells, the model "
                    "has {1} (use virtual = 1, or partition = uniform or "
                    "manual)",
                    kTableCells, cells.size()));
  return evaluatePartition(cells, original, std::move(bounds));
}

bool isOneStagePerRank(const PartitionRequest &request) {
  return onePerRank(request);
}

} // namespace pipe::plan
