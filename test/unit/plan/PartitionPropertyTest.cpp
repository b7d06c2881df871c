//===- PartitionPropertyTest.cpp - balanced == brute force, randomly -----===//
//
// Thousands of random problems (up to 12 cells, 6 stages, virtual 1, 2 and 3,
// both placements, recompute on and off, with and without a memory limit):
// the partitioner's bottleneck must equal the minimum over every feasible
// contiguous split, enumerated here, and infeasibility must agree. Memory is
// recomputed here from the formula in Partition.h, not with the library.
//
//===----------------------------------------------------------------------===//
#include "GTest.h"

#include "pipe/Plan/Partition.h"

#include <algorithm>
#include <functional>
#include <random>

using namespace pipe::plan;

namespace {

struct Problem {
  std::vector<CellCost> cells;
  PartitionRequest request;
};

double cellWork(const CellCost &c, bool recompute) {
  return c.fwdUs + c.bwdUs + c.wgradUs + (recompute ? c.fwdUs : 0);
}

/// Rank memory of a split, straight from the definition.
std::vector<int64_t> bruteRankMemory(const Problem &p,
                                     const std::vector<int> &bounds) {
  const PartitionRequest &req = p.request;
  std::vector<int64_t> sum(req.ranks, 0), peak(req.ranks, 0);
  for (int s = 0; s < req.numStages(); ++s) {
    int64_t state = 0, act = 0;
    for (int c = bounds[s]; c < bounds[s + 1]; ++c) {
      state += p.cells[c].stateBytes;
      act += p.cells[c].actBytes;
    }
    int64_t input = bounds[s] == 0 ? 0 : p.cells[bounds[s] - 1].cutBytes;
    int r = req.stageRank[s];
    sum[r] += state + req.inFlight[s] * (req.recompute ? input : act);
    if (req.recompute)
      peak[r] = std::max(peak[r], act);
  }
  for (int r = 0; r < req.ranks; ++r)
    sum[r] += peak[r];
  return sum;
}

double bruteBottleneck(const Problem &p, const std::vector<int> &bounds) {
  double worst = 0;
  for (int s = 0; s + 1 < int(bounds.size()); ++s) {
    double t = 0;
    for (int c = bounds[s]; c < bounds[s + 1]; ++c)
      t += cellWork(p.cells[c], p.request.recompute);
    worst = std::max(worst, t);
  }
  return worst;
}

/// Calls f on every split of n cells into S non-empty contiguous stages.
void forEachSplit(int n, int S,
                  const std::function<void(const std::vector<int> &)> &f) {
  std::vector<int> bounds(S + 1, 0);
  bounds[S] = n;
  std::function<void(int)> rec = [&](int s) {
    if (s == S) {
      f(bounds);
      return;
    }
    for (int e = bounds[s - 1] + 1; e <= n - (S - s); ++e) {
      bounds[s] = e;
      rec(s + 1);
    }
  };
  if (S == 1)
    f(bounds);
  else
    rec(1);
}

Problem randomProblem(std::mt19937 &rng) {
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  Problem p;
  // virtual 2 takes the paired search, 3 the general one.
  int virt = pick(0, 5) == 0 ? 3 : pick(1, 2);
  int ranks = pick(1, 6 / virt);
  int S = ranks * virt;
  int n = pick(S, 12);
  // Small integer costs make ties common; sometimes fractional ones.
  bool fractional = pick(0, 3) == 0;
  for (int c = 0; c < n; ++c) {
    CellCost cell;
    auto t = [&] {
      return fractional ? std::uniform_real_distribution<double>(0, 10)(rng)
                        : double(pick(0, 6));
    };
    cell.fwdUs = t();
    cell.bwdUs = t();
    cell.wgradUs = t();
    cell.stateBytes = pick(0, 50);
    cell.actBytes = pick(0, 20);
    cell.cutBytes = c + 1 < n ? pick(0, 15) : 0;
    p.cells.push_back(cell);
  }
  PartitionRequest &req = p.request;
  req.ranks = ranks;
  bool zbv = virt == 2 && pick(0, 1) == 1;
  for (int s = 0; s < S; ++s)
    req.stageRank.push_back(zbv ? (s < ranks ? s : 2 * ranks - 1 - s)
                                : s % ranks);
  req.recompute = pick(0, 2) == 0;
  if (pick(0, 1))
    req.inFlight = oneFOneBInFlight(req.stageRank, ranks, pick(1, 8));
  else
    for (int s = 0; s < S; ++s)
      req.inFlight.push_back(pick(1, 6));
  return p;
}

void checkAgainstBruteForce(const Problem &p, int64_t cap, int trial,
                            double best, bool linear);

/// Runs one problem with capacity `cap` and checks it against brute force.
void checkAgainstBruteForce(Problem p, int64_t cap, int trial) {
  p.request.capacityBytes = cap;
  int n = int(p.cells.size()), S = p.request.numStages();
  double best = -1;
  forEachSplit(n, S, [&](const std::vector<int> &bounds) {
    std::vector<int64_t> mem = bruteRankMemory(p, bounds);
    if (*std::max_element(mem.begin(), mem.end()) > cap)
      return;
    double t = bruteBottleneck(p, bounds);
    if (best < 0 || t < best)
      best = t;
  });
  // The large-model search must agree too, except where stages sharing a
  // rank compete for its memory: there it may only decline (a StringError).
  checkAgainstBruteForce(p, cap, trial, best, /*linear=*/true);
  checkAgainstBruteForce(p, cap, trial, best, /*linear=*/false);
}

void checkAgainstBruteForce(const Problem &p, int64_t cap, int trial,
                            double best, bool linear) {
  int n = int(p.cells.size()), S = p.request.numStages();
  llvm::Expected<Partition> got =
      linear ? partitionBalancedLinear(p.cells, p.request)
             : partitionBalanced(p.cells, p.request);
  SCOPED_TRACE(std::string(linear ? "linear search, " : "") + "trial " +
               std::to_string(trial) + ", n=" + std::to_string(n) +
               ", S=" + std::to_string(S) + ", cap=" + std::to_string(cap));
  if (linear && !isOneStagePerRank(p.request) && !got) {
    llvm::Error err = got.takeError();
    bool declined = !err.isA<InfeasibleMemoryError>();
    llvm::consumeError(std::move(err));
    if (declined) { // only where the memory limit binds
      EXPECT_NE(cap, kUnlimitedBytes) << "declined without a memory limit";
      return;
    }
    ASSERT_LT(best, 0) << "called infeasible, but brute force finds a split";
    return;
  }
  if (best < 0) {
    ASSERT_FALSE(bool(got)) << "brute force finds no feasible split";
    llvm::Error err = got.takeError();
    EXPECT_TRUE(err.isA<InfeasibleMemoryError>());
    llvm::consumeError(std::move(err));
    return;
  }
  ASSERT_TRUE(bool(got)) << llvm::toString(got.takeError());
  EXPECT_DOUBLE_EQ(got->bottleneckUs, best);
  ASSERT_EQ(int(got->bounds.size()), S + 1);
  EXPECT_EQ(got->bounds.front(), 0);
  EXPECT_EQ(got->bounds.back(), n);
  for (int s = 0; s < S; ++s)
    EXPECT_LT(got->bounds[s], got->bounds[s + 1]);
  EXPECT_DOUBLE_EQ(bruteBottleneck(p, got->bounds), best);
  std::vector<int64_t> mem = bruteRankMemory(p, got->bounds);
  EXPECT_EQ(mem, got->rankBytes);
  EXPECT_LE(*std::max_element(mem.begin(), mem.end()), cap);
}

TEST(PartitionProperty, BalancedMatchesBruteForceWithoutMemoryLimit) {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 3000; ++trial)
    checkAgainstBruteForce(randomProblem(rng), kUnlimitedBytes, trial);
}

TEST(PartitionProperty, BalancedMatchesBruteForceUnderMemoryLimits) {
  std::mt19937 rng(777);
  for (int trial = 0; trial < 3000; ++trial) {
    Problem p = randomProblem(rng);
    // Capacities between the smallest and largest worst-rank need over all
    // splits, so feasible, tight and infeasible cases all occur.
    int64_t lo = -1, hi = 0;
    forEachSplit(int(p.cells.size()), p.request.numStages(),
                 [&](const std::vector<int> &bounds) {
                   std::vector<int64_t> mem = bruteRankMemory(p, bounds);
                   int64_t worst = *std::max_element(mem.begin(), mem.end());
                   lo = lo < 0 ? worst : std::min(lo, worst);
                   hi = std::max(hi, worst);
                 });
    int64_t cap = std::uniform_int_distribution<int64_t>(
        std::max<int64_t>(0, lo - 5), hi)(rng);
    checkAgainstBruteForce(p, cap, trial);
  }
}

} // namespace
