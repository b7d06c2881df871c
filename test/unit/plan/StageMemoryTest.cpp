//===- StageMemoryTest.cpp - The buffer plan's closed forms ---------------===//
//
// Oracles: the slot sizes worked out by hand for a small model, and
// StageMemoryTable (the partitioner's O(1) slot and scratch bytes) against
// layoutStage (the buffer plan the lowering emits) on every interval of
// random models.
#include "pipe/Plan/StageMemory.h"

#include "GTest.h"

#include <random>

using namespace pipe::plan;

namespace {

TensorDesc floats(std::vector<int64_t> dims) { return {std::move(dims), false}; }

/// One op reading `operands` and defining value `result`.
OpDesc op(std::vector<int> operands, int result, int64_t saved = 0,
          int64_t wsaved = 0) {
  OpDesc o;
  o.operands = std::move(operands);
  o.result = result;
  o.savedFloats = saved;
  o.wsavedFloats = wsaved;
  return o;
}

// x: f32[2, 8] input. c0: a = f(x) (saves 3 floats). c1: b = g(a).
// c2: s = loss(b, a) (scalar, returned).
ModelDesc handModel() {
  ModelDesc m;
  m.numInputs = 1;
  m.values = {floats({2, 8}), floats({2, 8}), floats({2, 8}), floats({})};
  m.cells = {{"a", "", {op({0}, 1, 3)}, {1}},
             {"b", "", {op({1}, 2, 0, 5)}, {2}},
             {"s", "", {op({2, 1}, 3)}, {3}}};
  m.outputs = {3};
  return m;
}

TEST(StageMemory, HandModelSlots) {
  ModelDesc m = handModel();
  // A 16-float value is 64 bytes; 3 saved floats 12 -> 64; 5 wsaved -> 64;
  // the scalar 4 -> 64.
  // [0, 1): act out a; saved; grad in a; grad of x (a float input).
  StageLayout s0 = layoutStage(m, 0, 1, false);
  EXPECT_EQ(s0.outBoundary, (std::vector<int>{1}));
  EXPECT_EQ(s0.slotBytes, 64 + 64 + 64 + 64);
  // [1, 3): act in a; b, s; grad out a; grads of b; wsaved.
  StageLayout s1 = layoutStage(m, 1, 3, false);
  EXPECT_EQ(s1.inBoundary, (std::vector<int>{1}));
  EXPECT_EQ(s1.slotBytes, 64 + 64 + 64 + 64 + 64 + 64);
  // [1, 2) under recompute: a crosses both cuts (c2 reads it), so it is
  // received and sent on (act in, act out, grad out, grad in); b is the out
  // boundary too; wsaved.
  StageLayout s2 = layoutStage(m, 1, 2, true);
  EXPECT_EQ(s2.outBoundary, (std::vector<int>{1, 2}));
  EXPECT_EQ(s2.passActOut.size(), 1u);
  EXPECT_EQ(s2.slotBytes, 64 + 128 + 64 + 128 + 64);
  EXPECT_EQ(s2.scratchBytes, 0);
  // [0, 3) under recompute: a, b to scratch, plus the saved floats.
  StageLayout all = layoutStage(m, 0, 3, true);
  EXPECT_EQ(all.scratchBytes, 64 + 64 + 64);
}

/// A random chain of cells whose ops read any earlier values (float or int
/// inputs, scalars, values from far back).
ModelDesc randomModel(std::mt19937 &rng) {
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  ModelDesc m;
  m.numInputs = pick(1, 3);
  for (int i = 0; i < m.numInputs; ++i)
    m.values.push_back({{2, int64_t(pick(1, 40))}, pick(0, 1) == 1});
  // Readable: the inputs, earlier cells' results, this cell's own values.
  std::vector<int> visible;
  for (int i = 0; i < m.numInputs; ++i)
    visible.push_back(i);
  int cells = pick(1, 7);
  for (int c = 0; c < cells; ++c) {
    CellDesc cell;
    std::vector<int> readable = visible;
    int ops = pick(1, 3);
    for (int k = 0; k < ops; ++k) {
      std::vector<int> operands;
      for (int n = pick(1, 3); n > 0; --n)
        operands.push_back(readable[pick(0, int(readable.size()) - 1)]);
      int result = int(m.values.size());
      readable.push_back(result);
      m.values.push_back(pick(0, 5) == 0 ? floats({})
                                         : floats({2, int64_t(pick(1, 70))}));
      cell.ops.push_back(
          op(operands, result, pick(0, 2) ? 0 : pick(1, 50),
             pick(0, 2) ? 0 : pick(1, 50)));
      if (k + 1 == ops || pick(0, 1)) {
        cell.results.push_back(result);
        visible.push_back(result);
      }
    }
    m.cells.push_back(std::move(cell));
  }
  m.outputs = {int(m.values.size()) - 1};
  return m;
}

TEST(StageMemory, TableMatchesTheBufferPlanOnEveryInterval) {
  std::mt19937 rng(12);
  for (int trial = 0; trial < 400; ++trial) {
    ModelDesc m = randomModel(rng);
    int n = int(m.cells.size());
    for (bool recompute : {false, true}) {
      StageMemoryTable table(m, recompute);
      for (int b = 0; b < n; ++b)
        for (int e = b + 1; e <= n; ++e) {
          StageLayout sl = layoutStage(m, b, e, recompute);
          ASSERT_EQ(table.slotBytes(b, e), sl.slotBytes)
              << "trial " << trial << " [" << b << ", " << e << ") recompute "
              << recompute;
          ASSERT_EQ(table.scratchBytes(b, e), sl.scratchBytes)
              << "trial " << trial << " [" << b << ", " << e << ")";
          ASSERT_LE(sl.slotBytes, table.slotUpperBound());
        }
    }
  }
}

TEST(StageMemory, RankBaseAndAllocationRounding) {
  EXPECT_EQ(allocationBytes(0), 0);
  EXPECT_EQ(allocationBytes(1), 256);
  EXPECT_EQ(allocationBytes(512), 512);
  EXPECT_EQ(paddedParamFloats(65), 128);
  ModelDesc m = handModel();
  // x: 16 floats = 64 bytes -> one 256-byte input per micro-batch, 4 of
  // them; 4 losses = 16 bytes -> 256.
  EXPECT_EQ(rankBaseBytes(m, 4, MemoryBackend::Host), 4 * 256 + 256);
  EXPECT_EQ(rankBaseBytes(m, 4, MemoryBackend::Cuda),
            4 * 256 + 256 + (int64_t(32) << 20));
}

} // namespace
