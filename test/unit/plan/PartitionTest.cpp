//===- PartitionTest.cpp - uniform, manual, errors, stages, cell costs ---===//
#include "GTest.h"

#include "TestOps.h"
#include "pipe/Plan/Partition.h"

using namespace pipe::plan;
using namespace pipe::plan::test;

namespace {

std::vector<CellCost> unitCells(int n) {
  std::vector<CellCost> cells(n);
  for (int c = 0; c < n; ++c) {
    cells[c].fwdUs = 1;
    cells[c].bwdUs = 2;
    cells[c].wgradUs = 1;
    cells[c].sendUs = 0.5;
    cells[c].cutBytes = 10;
    cells[c].stateBytes = 100;
    cells[c].actBytes = 7;
  }
  return cells;
}

PartitionRequest request(int ranks, int virt) {
  PartitionRequest r;
  r.ranks = ranks;
  for (int s = 0; s < ranks * virt; ++s)
    r.stageRank.push_back(s % ranks);
  r.inFlight = oneFOneBInFlight(r.stageRank, ranks, 8);
  return r;
}

TEST(Partition, OneFOneBInFlight) {
  // 4 ranks, 8 micro-batches: rank r keeps 4 - r; with 2 micro-batches at
  // most 2.
  EXPECT_EQ(oneFOneBInFlight({0, 1, 2, 3}, 4, 8),
            (std::vector<int64_t>{4, 3, 2, 1}));
  EXPECT_EQ(oneFOneBInFlight({0, 1, 2, 3}, 4, 2),
            (std::vector<int64_t>{2, 2, 2, 1}));
}

TEST(Partition, UniformGivesTheRemainderToTheFirstStages) {
  llvm::Expected<Partition> p = partitionUniform(unitCells(10), request(4, 1));
  ASSERT_TRUE(bool(p));
  EXPECT_EQ(p->bounds, (std::vector<int>{0, 3, 6, 8, 10}));
  // 3 cells of 1 + 2 + 1 us.
  EXPECT_EQ(p->bottleneckUs, 12);
}

TEST(Partition, ManualAndItsErrors) {
  llvm::Expected<Partition> p =
      partitionManual(unitCells(6), request(3, 1), {1, 2, 3});
  ASSERT_TRUE(bool(p));
  EXPECT_EQ(p->bounds, (std::vector<int>{0, 1, 3, 6}));
  auto error = [](std::vector<int64_t> counts) {
    llvm::Expected<Partition> q =
        partitionManual(unitCells(6), request(3, 1), counts);
    EXPECT_FALSE(bool(q));
    return q ? std::string() : llvm::toString(q.takeError());
  };
  EXPECT_EQ(error({3, 3}), "manual partition lists 2 stages, the strategy "
                           "has 3 (ranks x virtual)");
  EXPECT_EQ(error({3, 0, 3}),
            "manual partition: stage 1 has 0 cells, need at least 1");
  EXPECT_EQ(error({1, 1, 1}), "manual partition covers 3 cells, the model "
                              "has 6");
  EXPECT_EQ(error({5, 5, 5}), "manual partition covers 10 cells, the model "
                              "has 6");
}

TEST(Partition, MoreStagesThanCells) {
  llvm::Expected<Partition> p = partitionBalanced(unitCells(3), request(4, 1));
  ASSERT_FALSE(bool(p));
  EXPECT_EQ(llvm::toString(p.takeError()),
            "4 stages need at least 4 cells, the model has 3");
}

TEST(Partition, StagesSumTheirCells) {
  PartitionRequest req = request(2, 2); // stages 0..3 on ranks 0,1,0,1
  req.recompute = true;
  std::vector<CellCost> cells = unitCells(4);
  cells[3].sendUs = 9;
  Partition p = evaluatePartition(cells, req, {0, 1, 2, 3, 4});
  ASSERT_EQ(p.stages.size(), 4u);
  // Recompute: backward pays the forward again, 2 + 1.
  EXPECT_EQ(p.stages[0].bwdUs, 3);
  EXPECT_EQ(p.bottleneckUs, 5);
  EXPECT_EQ(p.stages[1].rank, 1);
  EXPECT_EQ(p.stages[0].sendUs, 0.5);
  EXPECT_EQ(p.stages[3].sendUs, 0); // last stage sends nothing
  // Recompute keeps the stage input (the 10 bytes crossing the cut before).
  EXPECT_EQ(p.stages[0].actBytes, 0);
  EXPECT_EQ(p.stages[1].actBytes, 10);
  EXPECT_EQ(p.stages[1].inBytes, 10);
  // Rank 0 holds stages 0 (2 in flight) and 2 (2 in flight, 1F1B bound of
  // rank 0 with 2 ranks): state 200, kept 2*0 + 2*10, one stage's
  // activations 7 rebuilt at a time: 227.
  EXPECT_EQ(p.rankBytes[0], 227);
  // Same rank: no send.
  PartitionRequest one = request(1, 2);
  Partition q = evaluatePartition(cells, one, {0, 2, 4});
  EXPECT_EQ(q.stages[0].sendUs, 0);
}

// Cell 0 owns a table (its state is in cell 0's 100); cells 2 and 3 read it
// tied. A stage holding a reader but not cell 0 holds one copy of it (40
// parameter bytes, 90 state bytes), however many readers it has.
TEST(Partition, TiedTableCountsOnEveryStageReadingIt) {
  std::vector<CellCost> cells = unitCells(4);
  for (int c : {2, 3})
    cells[c].tied.push_back({"c0.embedding0.wte", 0, 40, 90});
  PartitionRequest req = request(2, 1);
  req.recompute = true; // keep: the 10-byte stage input; transient: 7 per cell
  Partition apart = evaluatePartition(cells, req, {0, 2, 4});
  EXPECT_EQ(apart.stages[0].stateBytes, 200);
  EXPECT_EQ(apart.stages[1].stateBytes, 200 + 90);
  EXPECT_EQ(apart.stages[1].paramBytes, 40);
  // Rank 1: state 290, 1 in flight x 10 kept, 14 rebuilt.
  EXPECT_EQ(apart.rankBytes[1], 290 + 10 + 14);
  // With the owner on the stage, no copy.
  Partition together = evaluatePartition(cells, req, {0, 3, 4});
  EXPECT_EQ(together.stages[0].stateBytes, 300);
  EXPECT_EQ(together.stages[1].stateBytes, 100 + 90);
  Partition one = evaluatePartition(cells, request(1, 1), {0, 4});
  EXPECT_EQ(one.stages[0].stateBytes, 400);
  EXPECT_EQ(one.stages[0].paramBytes, 0);
}

TEST(Partition, InfeasibleNamesRankNeedAndCapacity) {
  constexpr int64_t GiB = int64_t(1) << 30;
  std::vector<CellCost> cells = unitCells(4);
  for (CellCost &c : cells)
    c.stateBytes = 30 * GiB;
  PartitionRequest req = request(2, 1);
  req.capacityBytes = 50 * GiB;
  llvm::Expected<Partition> p = partitionBalanced(cells, req);
  ASSERT_FALSE(bool(p));
  llvm::Error err = p.takeError();
  ASSERT_TRUE(err.isA<InfeasibleMemoryError>());
  llvm::handleAllErrors(std::move(err), [&](const InfeasibleMemoryError &e) {
    // Two cells per rank is the best: 60 GiB + activations.
    EXPECT_EQ(e.needBytes, 60 * GiB + 2 * 7 * 2);
    EXPECT_EQ(e.capacityBytes, 50 * GiB);
    EXPECT_EQ(e.rank, 0);
    EXPECT_NE(e.text().find("rank 0 needs 60.0 GiB but the device has "
                            "50.0 GiB"),
              std::string::npos);
    EXPECT_NE(e.text().find("set recompute = true"), std::string::npos);
  });
  // A uniform split reports its own fullest rank.
  llvm::Expected<Partition> u = partitionUniform(cells, req);
  ASSERT_FALSE(bool(u));
  EXPECT_NE(llvm::toString(u.takeError()).find("uniform partition"),
            std::string::npos);
}

TEST(Partition, BalancedMovesTheHeavyHead) {
  // Five light cells and a heavy last one (the LM head): uniform over 2
  // stages puts 3 + 3 cells (4*3 = 12 | 4*2 + 13 = 21).
  std::vector<CellCost> cells = unitCells(6);
  cells[5].fwdUs = 10;
  llvm::Expected<Partition> b = partitionBalanced(cells, request(2, 1));
  ASSERT_TRUE(bool(b));
  // Times 4,4,4,4,4,13. Splits: 4 | 33, 8 | 25, 12 | 21, 16 | 17,
  // 20 | 13: the best is [0,4) = 16 | [4,6) = 17.
  EXPECT_EQ(b->bounds, (std::vector<int>{0, 4, 6}));
  EXPECT_EQ(b->bottleneckUs, 17);
  llvm::Expected<Partition> u = partitionUniform(cells, request(2, 1));
  ASSERT_TRUE(bool(u));
  EXPECT_EQ(u->bottleneckUs, 21);
}

// ---- cell costs --------------------------------------------------------

TEST(CellCosts, StateBytesPerParameterFloat) {
  // f32 master + f32 gradient + AdamW's two f32 moments, on either backend;
  // cuda under bf16 adds its 2-byte working copy.
  EXPECT_EQ(stateBytesPerParamFloat(MemoryBackend::Cuda, Precision::BF16,
                                    Optimizer::AdamW),
            4 + 4 + 8 + 2);
  EXPECT_EQ(stateBytesPerParamFloat(MemoryBackend::Cuda, Precision::F32,
                                    Optimizer::AdamW),
            16);
  EXPECT_EQ(stateBytesPerParamFloat(MemoryBackend::Cuda, Precision::BF16,
                                    Optimizer::SGDMomentum),
            4 + 4 + 4 + 2);
  EXPECT_EQ(stateBytesPerParamFloat(MemoryBackend::Host, Precision::F32,
                                    Optimizer::SGD),
            8);
  // The host keeps bf16 tensors in f32 buffers: no working copy.
  EXPECT_EQ(stateBytesPerParamFloat(MemoryBackend::Host, Precision::BF16,
                                    Optimizer::AdamW),
            16);
}

/// tokens [2, 3] -> x = embedding -> h = linear(x) -> y = h + x ->
/// loss = cross_entropy(linear(y), targets).
ModelDesc tinyModel() {
  ModelDesc m;
  m.name = "tiny";
  m.numInputs = 2;
  TensorDesc ids{{2, 3}, true}, act{{2, 3, 4}, false}, logits{{2, 3, 5}, false};
  m.values = {ids, ids, act, act, act, logits, TensorDesc{{}, false}};
  TestOp emb;
  emb.kind = Kind::Embedding;
  emb.operands = {0};
  emb.inputs = {ids};
  emb.output = act;
  emb.vocab = 5;
  emb.dim = 4;
  TestOp lin;
  lin.kind = Kind::Linear;
  lin.operands = {2};
  lin.inputs = {act};
  lin.output = act;
  lin.outFeatures = 4;
  TestOp add;
  add.kind = Kind::Add;
  add.operands = {3, 2};
  add.inputs = {act, act};
  add.output = act;
  TestOp head = lin;
  head.operands = {4};
  head.outFeatures = 5;
  head.bias = false;
  head.output = logits;
  TestOp ce;
  ce.kind = Kind::CrossEntropy;
  ce.operands = {5, 1};
  ce.inputs = {logits, ids};
  ce.output = m.values[6];
  // Costed for bf16 storage (2 bytes), as the tests below estimate.
  auto d = [](const TestOp &op, int result) {
    return describe(op, 2, result);
  };
  m.cells = {
      {"x = embedding(...)", "t.pipe:1:1", {d(emb, 2)}, {2}},
      {"h = linear(...)", "t.pipe:2:1", {d(lin, 3)}, {3}},
      {"y = h + x", "t.pipe:3:1", {d(add, 4)}, {4}},
      {"return cross_entropy(...)", "t.pipe:4:1", {d(head, 5), d(ce, 6)}, {6}}};
  m.outputs = {6};
  return m;
}

TEST(CellCosts, CutsCarryEveryLiveValueButNotModelInputs) {
  ModelDesc m = tinyModel();
  // e = 2, an activation is 24 elements = 48 bytes. After cell 0: x. After
  // cell 1: h and x (the residual). After cell 2: y only. targets (a model
  // input used by the last cell) never crosses.
  EXPECT_EQ(cutBytes(m, 2), (std::vector<int64_t>{48, 96, 48, 0}));
}

TEST(CellCosts, EstimatesFromTheOps) {
  llvm::Expected<DeviceProfile> h100 = builtinDeviceProfile("h100");
  ASSERT_TRUE(bool(h100));
  std::vector<CellCost> c =
      estimateCellCosts(tinyModel(), *h100, Precision::BF16, Optimizer::AdamW);
  ASSERT_EQ(c.size(), 4u);
  // Parameters: embedding 5*4, linear 4*4 + 4, head 4*5.
  EXPECT_EQ(c[0].paramBytes, 20 * 2);
  EXPECT_EQ(c[1].paramBytes, 20 * 2);
  // State: the head's 20-float weight padded to 64 floats, at h100's (cuda)
  // bf16 + AdamW 18 bytes a float.
  EXPECT_EQ(c[3].stateBytes, 64 * 18);
  // Saved for backward: the ids (6 int32); the linear's input (48); nothing
  // for the add; the head's input (48) + logits (30 bf16 = 60) + targets
  // (6 int32 = 24) + f32 logsumexp per row (24).
  EXPECT_EQ(c[0].actBytes, 24);
  EXPECT_EQ(c[1].actBytes, 48);
  EXPECT_EQ(c[2].actBytes, 0);
  EXPECT_EQ(c[3].actBytes, 48 + 60 + 24 + 24);
  EXPECT_EQ(c[1].outBytes, 48);
  EXPECT_EQ(c[1].cutBytes, 96);
  // 96 bytes over 450 GB/s plus 8 us latency.
  EXPECT_DOUBLE_EQ(c[1].sendUs, 8 + 96 / 450e9 * 1e6);
  EXPECT_EQ(c[3].sendUs, 0);
  // Tiny kernels are launch-bound: one F kernel each is 4 us + a sliver.
  EXPECT_GT(c[1].fwdUs, 4);
  EXPECT_LT(c[1].fwdUs, 4.01);
  EXPECT_EQ(c[0].bwdUs, 0); // embeddings have no input gradient
}

} // namespace
