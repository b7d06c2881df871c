//===- PartitionBench.cpp - pipec-partition-bench: partitioner figures ---===//
//
// Prints, asserts nothing: the balanced partitioner's wall time (cost model
// included) on a GPT-3 175B shape on 64 ranks and 32 ranks x 2 virtual, and
// for GPT-2 124M on 8 ranks the bottleneck of `uniform` over `balanced`.
// The cells are built directly through the cost-model API, as the front end
// would produce them: embedding, one cell per transformer layer, the LM head,
// the loss.
//
//===----------------------------------------------------------------------===//
#include "TestOps.h"
#include "pipe/Plan/Partition.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include <chrono>

using namespace pipe::plan;
using namespace pipe::plan::test;

namespace {

struct GptShape {
  const char *name;
  int64_t layers, dim, heads, vocab, seq, batch;
};

/// Builds the ModelDesc of a GPT-2-style model with one cell per layer.
ModelDesc gpt(const GptShape &g) {
  ModelDesc m;
  m.name = g.name;
  m.numInputs = 2;
  TensorDesc ids{{g.batch, g.seq}, true};
  TensorDesc act{{g.batch, g.seq, g.dim}, false};
  TensorDesc wide{{g.batch, g.seq, 4 * g.dim}, false};
  TensorDesc logits{{g.batch, g.seq, g.vocab}, false};
  m.values = {ids, ids};
  auto value = [&](TensorDesc t) {
    m.values.push_back(t);
    return int(m.values.size()) - 1;
  };
  auto op = [&](Kind kind, std::vector<int> operands, TensorDesc out) {
    TestOp o;
    o.kind = kind;
    o.operands = operands;
    for (int v : operands)
      o.inputs.push_back(m.values[v]);
    o.output = out;
    return o;
  };
  // Costed for bf16 storage (2 bytes), the precision the figures use.
  auto d = [](const TestOp &o) { return describe(o, 2); };
  CellDesc embed{"x = embedding(...)", "gpt.pipe:1:1", {}, {}};
  TestOp e = op(Kind::Embedding, {0}, act);
  e.vocab = g.vocab;
  e.dim = g.dim;
  e.positional = true;
  embed.ops = {d(e)};
  int x = value(act);
  embed.results = {x};
  m.cells.push_back(embed);
  for (int64_t l = 0; l < g.layers; ++l) {
    CellDesc cell{"x = transformer(x)", "gpt.pipe:2:1", {}, {}};
    auto linear = [&](int in, int64_t n) {
      TestOp o = op(Kind::Linear, {in},
                    n == g.dim ? act : (n == 4 * g.dim ? wide : logits));
      o.outFeatures = n;
      return o;
    };
    int ln1 = value(act), att = value(act), x1 = value(act), ln2 = value(act),
        up = value(wide), gl = value(wide), down = value(act), x2 = value(act);
    TestOp a = op(Kind::Attention, {ln1}, act);
    a.heads = g.heads;
    a.kvHeads = g.heads;
    cell.ops = {d(op(Kind::LayerNorm, {x}, act)),
                d(a),
                d(op(Kind::Add, {x, att}, act)),
                d(op(Kind::LayerNorm, {x1}, act)),
                d(linear(ln2, 4 * g.dim)),
                d(op(Kind::Gelu, {up}, wide)),
                d(linear(gl, g.dim)),
                d(op(Kind::Add, {x1, down}, act))};
    (void)x2;
    x = x2;
    cell.results = {x};
    m.cells.push_back(cell);
  }
  CellDesc head{"logits = linear(layernorm(x), vocab)", "gpt.pipe:3:1", {}, {}};
  int lnf = value(act), lg = value(logits);
  TestOp h = op(Kind::Linear, {lnf}, logits);
  h.outFeatures = g.vocab;
  h.bias = false;
  head.ops = {d(op(Kind::LayerNorm, {x}, act)), d(h)};
  head.results = {lg};
  m.cells.push_back(head);
  CellDesc loss{
      "return cross_entropy(logits, targets)", "gpt.pipe:4:1", {}, {}};
  loss.ops = {d(op(Kind::CrossEntropy, {lg, 1}, TensorDesc{{}, false}))};
  loss.results = {value(TensorDesc{{}, false})};
  m.cells.push_back(loss);
  return m;
}

PartitionRequest strategy(int ranks, int virt, int microbatches, bool recompute,
                          int64_t capacity) {
  PartitionRequest r;
  r.ranks = ranks;
  for (int s = 0; s < ranks * virt; ++s)
    r.stageRank.push_back(s % ranks);
  r.inFlight = oneFOneBInFlight(r.stageRank, ranks, microbatches);
  r.recompute = recompute;
  r.capacityBytes = capacity;
  return r;
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

void report(llvm::StringRef label, llvm::Expected<Partition> p, double ms) {
  llvm::outs() << llvm::formatv("{0,-44} {1,8:F2} ms  ", label, ms);
  if (!p) {
    llvm::outs() << "no plan: " << llvm::toString(p.takeError()) << "\n";
    llvm::outs().flush();
    return;
  }
  int64_t worst = 0;
  for (int64_t b : p->rankBytes)
    worst = std::max(worst, b);
  llvm::outs() << llvm::formatv("bottleneck {0:F0} us, fullest rank {1}\n",
                                p->bottleneckUs, formatGiB(worst));
  llvm::outs().flush();
}

} // namespace

int main() {
  DeviceProfile h100 = llvm::cantFail(builtinDeviceProfile("h100"));
  DeviceProfile h200 = llvm::cantFail(builtinDeviceProfile("h200"));
  GptShape gpt3{"gpt3-175b", 96, 12288, 96, 50304, 2048, 1};
  for (auto [ranks, virt] : {std::pair{64, 1}, std::pair{32, 2}}) {
    for (int limit = 0; limit < 3; ++limit) {
      // No cap; h100 80 GiB with recompute; h200 141 GiB with recompute.
      const DeviceProfile &device = limit == 2 ? h200 : h100;
      auto t0 = std::chrono::steady_clock::now();
      ModelDesc model = gpt(gpt3);
      std::vector<CellCost> cells =
          estimateCellCosts(model, device, Precision::BF16, Optimizer::AdamW);
      PartitionRequest req =
          strategy(ranks, virt, 4 * ranks, /*recompute=*/limit > 0,
                   limit > 0 ? device.memoryBytes : kUnlimitedBytes);
      llvm::Expected<Partition> p = partitionBalanced(cells, req);
      double ms = msSince(t0);
      std::string what =
          limit == 0 ? ", no memory cap" : ", " + device.name + ", recompute";
      report(llvm::formatv("GPT-3 175B, {0} cells, {1}x{2}{3}", cells.size(),
                           ranks, virt, what)
                 .str(),
             std::move(p), ms);
    }
  }

  GptShape gpt2{"gpt2-124m", 12, 768, 12, 50304, 1024, 8};
  std::vector<CellCost> cells =
      estimateCellCosts(gpt(gpt2), h100, Precision::BF16, Optimizer::AdamW);
  PartitionRequest req = strategy(8, 1, 32, false, h100.memoryBytes);
  Partition balanced = llvm::cantFail(partitionBalanced(cells, req));
  Partition uniform = llvm::cantFail(partitionUniform(cells, req));
  llvm::outs() << llvm::formatv(
      "GPT-2 124M (batch 8, seq 1024), {0} cells on 8 ranks: uniform "
      "bottleneck {1:F0} us / balanced {2:F0} us = {3:F2}\n",
      cells.size(), uniform.bottleneckUs, balanced.bottleneckUs,
      uniform.bottleneckUs / balanced.bottleneckUs);
  llvm::outs() << "  balanced cells per stage:";
  for (size_t s = 0; s + 1 < balanced.bounds.size(); ++s)
    llvm::outs() << " " << balanced.bounds[s + 1] - balanced.bounds[s];
  llvm::outs() << "\n";
  return 0;
}
