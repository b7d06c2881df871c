//===- PartitionScaleTest.cpp - 100,000 cells x 64 stages, checked ------===//
//
// The linear-memory search at the size that used to exhaust memory (issue
// 16, item 14), against an oracle that shares no code with it: small
// integer costs make every sum exact, and with one stage per rank, no
// activations (so no per-stage in-flight term) and non-negative sizes, a
// bottleneck T is reachable iff the greedy cover (longest stage within T and
// the capacity, repeatedly) needs at most S stages (splitting a stage further
// never raises its time or memory). A binary search over the integers T
// then gives the optimum. Without a memory limit the same holds for 32 ranks
// of two interleaved stages each: placement then does not matter.
//
//===----------------------------------------------------------------------===//
#include "GTest.h"

#include "pipe/Plan/Partition.h"

#include <algorithm>
#include <random>

using namespace pipe::plan;

namespace {

constexpr int kCells = 100000, kRanks = 64;

std::vector<CellCost> randomCells(std::mt19937 &rng) {
  std::uniform_int_distribution<int> t(0, 9), bytes(0, 100);
  std::vector<CellCost> cells(kCells);
  for (CellCost &c : cells) {
    c.fwdUs = t(rng);
    c.bwdUs = t(rng);
    c.wgradUs = t(rng);
    c.stateBytes = bytes(rng);
  }
  return cells;
}

int64_t oracleOptimum(const std::vector<CellCost> &cells, int64_t cap) {
  auto stagesNeeded = [&](int64_t T) {
    int stages = 0;
    for (size_t c = 0; c < cells.size();) {
      int64_t time = 0, bytes = 0;
      size_t e = c;
      for (; e < cells.size(); ++e) {
        int64_t dt =
            int64_t(cells[e].fwdUs + cells[e].bwdUs + cells[e].wgradUs);
        if (time + dt > T || bytes + cells[e].stateBytes > cap)
          break;
        time += dt;
        bytes += cells[e].stateBytes;
      }
      if (e == c)
        return kCells + 1; // one cell alone does not fit
      c = e;
      ++stages;
    }
    return stages;
  };
  int64_t lo = 0, hi = 30 * int64_t(kCells);
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (stagesNeeded(mid) <= kRanks)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

/// kRanks stages on kRanks / virtualStages ranks, interleaved.
PartitionRequest request(int64_t cap, int virtualStages = 1) {
  PartitionRequest req;
  req.ranks = kRanks / virtualStages;
  for (int s = 0; s < kRanks; ++s)
    req.stageRank.push_back(s % req.ranks);
  req.inFlight = oneFOneBInFlight(req.stageRank, req.ranks, 4 * kRanks);
  req.capacityBytes = cap;
  return req;
}

void checkOptimal(const std::vector<CellCost> &cells, int64_t cap,
                  int virtualStages = 1) {
  llvm::Expected<Partition> p =
      partitionBalanced(cells, request(cap, virtualStages));
  ASSERT_TRUE(bool(p)) << llvm::toString(p.takeError());
  EXPECT_EQ(p->bottleneckUs, double(oracleOptimum(cells, cap)));
  ASSERT_EQ(int(p->bounds.size()), kRanks + 1);
  for (int s = 0; s < kRanks; ++s)
    EXPECT_LT(p->bounds[s], p->bounds[s + 1]);
  for (int64_t bytes : p->rankBytes)
    EXPECT_LE(bytes, cap);
}

TEST(PartitionScale, HundredThousandCellsWithoutMemoryLimit) {
  std::mt19937 rng(16);
  checkOptimal(randomCells(rng), kUnlimitedBytes);
}

TEST(PartitionScale, HundredThousandCellsOnTwoInterleavedStagesPerRank) {
  std::mt19937 rng(17);
  checkOptimal(randomCells(rng), kUnlimitedBytes, /*virtualStages=*/2);
}

// Above the table search's size, where the memory limit binds between two
// stages of one rank the search declines with a message instead of building
// the cells^2 table. Unit times force the time-optimal split into four equal
// stages; stages 0 and 2 (rank 0) hold all the memory, more than rank 0 has,
// though each alone fits.
TEST(PartitionScale, MemoryBindingAcrossOneRanksStagesIsDeclinedAboveTheTable) {
  int n = 4 * 1024;
  ASSERT_GT(size_t(n), kTableCells);
  std::vector<CellCost> cells(n);
  for (int c = 0; c < n; ++c) {
    cells[c].fwdUs = 1;
    cells[c].stateBytes = (c / 1024) % 2 == 0 ? 10 : 0;
  }
  PartitionRequest req;
  req.ranks = 2;
  req.stageRank = {0, 1, 0, 1};
  req.inFlight = {1, 1, 1, 1};
  req.capacityBytes = 15000; // each heavy stage is 10240, both 20480
  llvm::Expected<Partition> p = partitionBalanced(cells, req);
  ASSERT_FALSE(bool(p));
  std::string msg = llvm::toString(p.takeError());
  EXPECT_NE(msg.find("the memory limit binds between stages that share a "
                     "rank"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("the model has 4096"), std::string::npos) << msg;
  // With room for both, the same search answers: four stages of 1024.
  req.capacityBytes = 20480;
  llvm::Expected<Partition> fits = partitionBalanced(cells, req);
  ASSERT_TRUE(bool(fits)) << llvm::toString(fits.takeError());
  EXPECT_EQ(fits->bounds, (std::vector<int>{0, 1024, 2048, 3072, 4096}));
  EXPECT_EQ(fits->bottleneckUs, 1024.0);
}

TEST(PartitionScale, HundredThousandCellsUnderAMemoryLimit) {
  std::mt19937 rng(14);
  std::vector<CellCost> cells = randomCells(rng);
  // The first half is four times as large: its stages are bound by memory.
  int64_t total = 0;
  for (int c = 0; c < kCells / 2; ++c)
    cells[c].stateBytes *= 4;
  for (const CellCost &c : cells)
    total += c.stateBytes;
  int64_t cap = total / kRanks + total / (4 * kRanks);
  checkOptimal(cells, cap);
  // 64 ranks of 100 bytes cannot hold it at all.
  cells.resize(5000); // still the one-per-rank search, and quick
  llvm::Expected<Partition> none = partitionBalanced(cells, request(100));
  ASSERT_FALSE(bool(none));
  llvm::Error err = none.takeError();
  EXPECT_TRUE(err.isA<InfeasibleMemoryError>());
  llvm::consumeError(std::move(err));
}

} // namespace
