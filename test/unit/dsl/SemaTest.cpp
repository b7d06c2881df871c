//===- SemaTest.cpp - Shapes of every op, cells, defaults, overrides -----===//
#include "TestUtil.h" // before gtest: see the note on pipe(2)
#include <gtest/gtest.h>
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <fstream>
#include <set>

using namespace pipe::dsl;
using pipe::dsl::test::Harness;

namespace {
constexpr int64_t B = kBatchDim;

/// A model over `inputs` whose body is `body`; the file adds `extra` after it.
std::string model(const std::string &inputs, const std::string &body,
                  const std::string &extra = "") {
  return "model m(" + inputs + ") {\n" + body + "\n}\n" + extra;
}

/// The type of the value bound by the last op of cell `cell`.
TensorType resultOf(const Program &p, size_t cell) {
  return p.model.values[p.model.cells[cell].ops.back().result];
}
} // namespace

TEST(Sema, ShapesOfEveryOp) {
  Harness h(
      model("ids: i32[batch, 16], y: f32[batch, 16, 8]",
            "e = embedding(ids, vocab: 100, dim: 32, positional: true)\n" // 0
            "l = linear(e, 8)\n"                                          // 1
            "n = layernorm(e)\n"                                          // 2
            "r = rmsnorm(e, eps: 1e-5)\n"                                 // 3
            "g = gelu(l) + relu(l) * silu(l)\n"                           // 4
            "a = attention(e, heads: 8, kv_heads: 2, rope: true)\n"       // 5
            "c = relu(e)\n"                                               // 6
            "return mse(g, y)"));                                         // 7
  auto p = h.analyze();
  ASSERT_TRUE(p) << h.firstDiag();
  ASSERT_EQ(p->model.cells.size(), 8u);
  using V = std::vector<int64_t>;
  EXPECT_EQ(resultOf(*p, 0).dims, (V{B, 16, 32}));
  EXPECT_EQ(resultOf(*p, 0).dtype, DType::F32);
  EXPECT_EQ(resultOf(*p, 1).dims, (V{B, 16, 8}));
  EXPECT_EQ(resultOf(*p, 2).dims, (V{B, 16, 32}));
  EXPECT_EQ(resultOf(*p, 3).dims, (V{B, 16, 32}));
  EXPECT_EQ(resultOf(*p, 4).dims, (V{B, 16, 8}));
  EXPECT_EQ(resultOf(*p, 5).dims, (V{B, 16, 32}));
  EXPECT_EQ(resultOf(*p, 6).dims, (V{B, 16, 32}));
  EXPECT_EQ(resultOf(*p, 7).dims, V{}); // mse: scalar
  EXPECT_EQ(p->model.loss, p->model.cells[7].ops.back().result);
  // Defaults and given attributes land in the ops.
  const OpNode &emb = p->model.cells[0].ops[0];
  EXPECT_EQ(emb.getInt("vocab"), 100);
  EXPECT_EQ(emb.getInt("dim"), 32);
  EXPECT_TRUE(emb.getBool("positional"));
  EXPECT_TRUE(p->model.cells[1].ops[0].getBool("bias"));
  EXPECT_DOUBLE_EQ(p->model.cells[2].ops[0].getF64("eps"),
                   1e-5); // layernorm default
  EXPECT_DOUBLE_EQ(p->model.cells[3].ops[0].getF64("eps"), 1e-5); // given
  const OpNode &att = p->model.cells[5].ops[0];
  EXPECT_EQ(att.getInt("heads"), 8);
  EXPECT_EQ(att.getInt("kv_heads"), 2);
  EXPECT_TRUE(att.getBool("causal"));
  EXPECT_TRUE(att.getBool("rope"));
  // gelu(l) + relu(l) * silu(l): operands left to right, then * before +.
  std::vector<std::string> cell4;
  for (const OpNode &op : p->model.cells[4].ops)
    cell4.push_back(op.op);
  EXPECT_EQ(cell4,
            (std::vector<std::string>{"gelu", "relu", "silu", "mul", "add"}));
  // cross_entropy, in its own model: a loss op's result must be returned.
  Harness ce(model("ids: i32[batch, 16], t: i32[batch, 16]",
                   "e = embedding(ids, vocab: 100, dim: 32)\n"
                   "return cross_entropy(e, t)"));
  auto q = ce.analyze();
  ASSERT_TRUE(q) << ce.firstDiag();
  EXPECT_EQ(resultOf(*q, 1).dims, V{}); // cross_entropy: scalar
}

TEST(Sema, LossOpsMustBeTheReturnedLoss) {
  for (const char *body :
       {"l = mse(x, y)\nreturn l + l", "a = mse(x, y)\nreturn mse(x, y)"}) {
    Harness h(model("x: f32[batch, 4], y: f32[batch, 4]", body));
    EXPECT_FALSE(h.analyze()) << body;
    EXPECT_NE(h.firstDiag().find("a loss op's result must be the model's "
                                 "returned loss"),
              std::string::npos)
        << h.firstDiag();
  }
}

TEST(Sema, CellsAfterInliningAndUnrolling) {
  // Hand count: 1 (embedding) + 2*3 (nested repeat) + 1 (y) + 1 (return).
  Harness h(
      "const d = 16\n"
      "block pair(x) {\n  x = linear(x, d)\n  x = relu(x)\n  return x\n}\n" +
      model("ids: i32[batch, 4], t: i32[batch, 4]",
            "x = embedding(ids, vocab: 10, dim: d)\n"
            "repeat 2 {\n repeat 3 { x = pair(x) }\n}\n"
            "y = linear(x, 10)\n"
            "return cross_entropy(y, t)"));
  auto p = h.analyze();
  ASSERT_TRUE(p) << h.firstDiag();
  ASSERT_EQ(p->model.cells.size(), 9u);
  EXPECT_EQ(p->model.cells[1].text, "x = pair(x)");
  EXPECT_EQ(p->model.cells[0].text, "x = embedding(...)");
  EXPECT_EQ(p->model.cells[8].text, "return cross_entropy(y, t)");
  // Each inlined copy has its own ops with unique parameter prefixes.
  std::set<std::string> prefixes;
  size_t ops = 0;
  for (const Cell &c : p->model.cells)
    for (const OpNode &op : c.ops) {
      prefixes.insert(op.paramPrefix);
      ++ops;
    }
  EXPECT_EQ(ops, 1 + 6 * 2 + 1 + 1u);
  EXPECT_EQ(prefixes.size(), ops);
  EXPECT_EQ(p->model.cells[3].ops[0].paramPrefix, "c3.linear0");
  // Ops inlined from a block carry the call site.
  EXPECT_TRUE(mlir::isa<mlir::CallSiteLoc>(p->model.cells[3].ops[0].loc));
}

TEST(Sema, StrategyAndTrainDefaults) {
  Harness h(model("x: f32[batch, 4], y: f32[batch, 4]",
                  "a = linear(x, 4)\nb = linear(a, 4)\nreturn mse(b, y)",
                  "pipeline { ranks = 3 }\n"));
  auto p = h.analyze();
  ASSERT_TRUE(p) << h.firstDiag();
  const Strategy &s = p->strategy;
  EXPECT_EQ(s.ranks, 3);
  EXPECT_EQ(s.microbatches, 12); // 4 x ranks
  EXPECT_EQ(s.virtualStages, 1);
  EXPECT_EQ(s.batch, 1);
  EXPECT_EQ(s.schedule, Schedule::OneFOneB);
  EXPECT_EQ(s.partition, PartitionKind::Balanced);
  EXPECT_EQ(s.precision, Precision::BF16);
  EXPECT_EQ(s.device, "h100");
  EXPECT_FALSE(s.recompute);
  EXPECT_EQ(p->train.optimizer, OptimizerKind::AdamW);
  EXPECT_DOUBLE_EQ(p->train.lr, 1e-3);
  EXPECT_EQ(p->train.steps, 10);
  EXPECT_EQ(p->train.data, DataKind::Synthetic);
}

TEST(Sema, OverridesAreCheckedLikeFileText) {
  std::string text =
      model("x: f32[batch, 4], y: f32[batch, 4]",
            "a = linear(x, 4)\nb = linear(a, 4)\nreturn mse(b, y)",
            "pipeline {\n  ranks = 3\n}\n");
  {
    // The profile path is relative to the .pipe file, and the file is read.
    llvm::SmallString<128> dir;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("sema-test", dir));
    std::string profile = (dir + "/prof.json").str();
    std::ofstream(profile)
        << R"({"name": "p", "memory_bytes": 1073741824, "peak_tflops":
        {"bf16": 1, "tf32": 1, "fp32": 1}, "memory_bandwidth_gbps": 1,
        "bf16_storage": false, "efficiency": {"matmul": 1, "elementwise": 1},
        "link_bandwidth_gbps": 1, "link_latency_us": 1, "kernel_launch_us": 1})";
    Harness h(text, (dir + "/m.pipe").str());
    auto p = h.analyze({{"ranks", "1"},
                        {"schedule", "zb-h1"},
                        {"partition", "manual(3)"},
                        {"device", "\"prof.json\""}});
    llvm::sys::fs::remove(profile);
    llvm::sys::fs::remove(dir);
    ASSERT_TRUE(p) << h.firstDiag();
    EXPECT_EQ(p->strategy.ranks, 1);
    EXPECT_EQ(p->strategy.microbatches, 4); // default follows the override
    EXPECT_EQ(p->strategy.schedule, Schedule::ZBH1);
    EXPECT_EQ(p->strategy.manual, (std::vector<int64_t>{3}));
    EXPECT_EQ(p->strategy.device, profile);
    EXPECT_TRUE(p->strategy.deviceIsFile);
  }
  {
    Harness h(text);
    EXPECT_FALSE(h.analyze({{"ranks", "0"}}));
    EXPECT_EQ(h.firstDiag(), "1:7: 'ranks' must be at least 1, got 0");
  }
  {
    Harness h(text);
    EXPECT_FALSE(h.analyze({{"nokey", "1"}}));
    EXPECT_EQ(h.firstDiag(), "1:1: unknown key 'nokey'; --set takes a "
                             "pipeline or train key");
  }
  {
    // 3 ranks x 2 virtual = 6 stages > 3 cells; the error points at `ranks`
    // on line 7 (model: lines 1-5, `pipeline {`: line 6).
    Harness h(text);
    EXPECT_FALSE(h.analyze({{"virtual", "2"}, {"schedule", "interleaved"}}));
    EXPECT_EQ(h.firstDiag(), "7:3: the strategy has 6 stages (ranks 3 x "
                             "virtual 2) but the model has only 3 cells");
  }
}

TEST(Sema, ShapeMismatchNamesBothShapes) {
  Harness h(model("x: f32[batch, 4], y: f32[batch, 8]",
                  "z = x + y\nreturn mse(z, z)"));
  EXPECT_FALSE(h.analyze());
  EXPECT_EQ(h.firstDiag(), "2:7: operands of '+' have different shapes: "
                           "f32[batch, 4] and f32[batch, 8]");
}

TEST(Sema, HugeRepeatIsRejectedQuickly) {
  Harness h(model("x: f32[batch, 4]",
                  "repeat 1000000000 {\n repeat 1000000000 { x = relu(x) }\n}\n"
                  "return mse(x, x)"));
  EXPECT_FALSE(h.analyze());
  EXPECT_NE(h.firstDiag().find("too large"), std::string::npos)
      << h.firstDiag();
}
