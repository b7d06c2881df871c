//===- OpCostTest.cpp - Each op's FLOPs and bytes against hand counts ----===//
// (the costs the pipe dialect's ops state, see TestOps.h)
#include "GTest.h"

#include "TestOps.h"

using namespace pipe::plan;
using namespace pipe::plan::test;

namespace {

TensorDesc floats(std::vector<int64_t> dims) {
  return {std::move(dims), false};
}
TensorDesc ints(std::vector<int64_t> dims) { return {std::move(dims), true}; }

TestOp unary(Kind kind, TensorDesc in) {
  TestOp op;
  op.kind = kind;
  op.operands = {0};
  op.inputs = {in};
  op.output = in;
  return op;
}

TEST(OpCost, LinearWithBias) {
  // x [2,3,4] -> 5, bf16 (e = 2): M = 6, K = 4, N = 5.
  TestOp op = unary(Kind::Linear, floats({2, 3, 4}));
  op.outFeatures = 5;
  op.output = floats({2, 3, 5});
  OpCost c = opCost(op, 2);
  // F: 2*6*4*5 = 240 multiply-adds as flops, + 30 bias adds.
  EXPECT_EQ(c.fwd.flops(), 270);
  // F bytes: in 24 + w 20 + out 30 elements at 2 bytes, + bias 5 * 2.
  EXPECT_EQ(c.fwd.bytes(), 158);
  // B: 240 flops; dout 30 + w 20 + din read and written 2*24 = 98 elems.
  EXPECT_EQ(c.dgrad.flops(), 240);
  EXPECT_EQ(c.dgrad.bytes(), 196);
  // W: 240 + bias column sums 30; bytes: (in 24 + dout 30) * 2 + f32 dw RMW
  // 8 * 20 = 268, bias kernel dout 60 + f32 dbias RMW 40 = 100.
  EXPECT_EQ(c.wgrad.flops(), 270);
  EXPECT_EQ(c.wgrad.bytes(), 368);
  EXPECT_EQ(c.wgrad.kernels.size(), 2u);
  EXPECT_EQ(c.params, 25);
  EXPECT_EQ(c.savedOperands, std::vector<int>{0});
}

TEST(OpCost, LinearThreeEqualMatmulsWithoutBias) {
  // The rule: linear [B,S,K] -> N costs 2*B*S*K*N in F, B and W.
  TestOp op = unary(Kind::Linear, floats({4, 16, 32}));
  op.outFeatures = 8;
  op.bias = false;
  OpCost c = opCost(op, 4);
  double expect = 2.0 * 4 * 16 * 32 * 8;
  EXPECT_EQ(c.fwd.flops(), expect);
  EXPECT_EQ(c.dgrad.flops(), expect);
  EXPECT_EQ(c.wgrad.flops(), expect);
  EXPECT_EQ(c.params, 32 * 8);
}

TEST(OpCost, EmbeddingPositional) {
  // ids [2,3]: M = 6 tokens, S = 3; V = 10, D = 4; e = 2.
  TestOp op = unary(Kind::Embedding, ints({2, 3}));
  op.vocab = 10;
  op.dim = 4;
  op.positional = true;
  op.output = floats({2, 3, 4});
  OpCost c = opCost(op, 2);
  // F: the positional add, 24 flops; ids 6*4 + (rows, wpe rows, out) 3*24*2.
  EXPECT_EQ(c.fwd.flops(), 24);
  EXPECT_EQ(c.fwd.bytes(), 24 + 144);
  // No input gradient for integer ids.
  EXPECT_TRUE(c.dgrad.kernels.empty());
  // W: 24 adds into wte, 24 into wpe; ids 24 + dout 48 + f32 RMW 2*8*24.
  EXPECT_EQ(c.wgrad.flops(), 48);
  EXPECT_EQ(c.wgrad.bytes(), 24 + 48 + 384);
  EXPECT_EQ(c.params, 10 * 4 + 3 * 4);
}

TEST(OpCost, LayerNorm) {
  // [6, 4], e = 2: M = 6, D = 4, 24 elements.
  OpCost c = opCost(unary(Kind::LayerNorm, floats({6, 4})), 2);
  EXPECT_EQ(c.fwd.flops(), 8 * 24);
  // in + out 2*24*2 = 96, scale and shift 2*4*2 = 16, mean and rstd 6*8 = 48.
  EXPECT_EQ(c.fwd.bytes(), 96 + 16 + 48);
  EXPECT_EQ(c.dgrad.flops(), 10 * 24);
  // dout, in, din RMW: 4*24*2 = 192; scale 8; stats 48.
  EXPECT_EQ(c.dgrad.bytes(), 192 + 8 + 48);
  EXPECT_EQ(c.wgrad.flops(), 5 * 24);
  // dout, in: 96; stats 48; f32 dscale, dshift RMW: 16*4 = 64.
  EXPECT_EQ(c.wgrad.bytes(), 96 + 48 + 64);
  EXPECT_EQ(c.params, 8);
  EXPECT_EQ(c.savedF32, 12);
}

TEST(OpCost, RMSNorm) {
  OpCost c = opCost(unary(Kind::RMSNorm, floats({6, 4})), 4);
  // e = 4: F 4*24 flops, in + out 192 + scale 16 + rstd 24.
  EXPECT_EQ(c.fwd.flops(), 96);
  EXPECT_EQ(c.fwd.bytes(), 192 + 16 + 24);
  EXPECT_EQ(c.dgrad.flops(), 7 * 24);
  EXPECT_EQ(c.dgrad.bytes(), 384 + 16 + 24);
  EXPECT_EQ(c.wgrad.flops(), 3 * 24);
  EXPECT_EQ(c.wgrad.bytes(), 192 + 24 + 32);
  EXPECT_EQ(c.params, 4);
  EXPECT_EQ(c.savedF32, 6);
}

TEST(OpCost, Activations) {
  // 24 elements, e = 2: F reads in, writes out (96 bytes); B reads dout, in
  // and read-modify-writes din (192 bytes).
  OpCost gelu = opCost(unary(Kind::Gelu, floats({6, 4})), 2);
  EXPECT_EQ(gelu.fwd.flops(), 9 * 24);
  EXPECT_EQ(gelu.fwd.bytes(), 96);
  EXPECT_EQ(gelu.dgrad.flops(), 20 * 24);
  EXPECT_EQ(gelu.dgrad.bytes(), 192);
  EXPECT_TRUE(gelu.wgrad.kernels.empty());
  OpCost relu = opCost(unary(Kind::Relu, floats({6, 4})), 2);
  EXPECT_EQ(relu.fwd.flops(), 24);
  EXPECT_EQ(relu.dgrad.flops(), 48);
  OpCost silu = opCost(unary(Kind::Silu, floats({6, 4})), 2);
  EXPECT_EQ(silu.fwd.flops(), 5 * 24);
  EXPECT_EQ(silu.dgrad.flops(), 10 * 24);
}

TEST(OpCost, AddAndMul) {
  TestOp add = unary(Kind::Add, floats({6, 4}));
  add.operands = {0, 1};
  add.inputs = {floats({6, 4}), floats({6, 4})};
  OpCost a = opCost(add, 4);
  // F: 24 adds; a, b, out at 4 bytes = 288. B: da += dout, db += dout: 48
  // adds; dout 96 + two RMWs 384 = 480. Nothing saved.
  EXPECT_EQ(a.fwd.flops(), 24);
  EXPECT_EQ(a.fwd.bytes(), 288);
  EXPECT_EQ(a.dgrad.flops(), 48);
  EXPECT_EQ(a.dgrad.bytes(), 480);
  EXPECT_TRUE(a.savedOperands.empty());
  TestOp mul = add;
  mul.kind = Kind::Mul;
  OpCost m = opCost(mul, 4);
  // B: two multiplies and two accumulates per element; reads dout, a, b
  // (288) + two RMWs (384).
  EXPECT_EQ(m.dgrad.flops(), 96);
  EXPECT_EQ(m.dgrad.bytes(), 672);
  EXPECT_EQ(m.savedOperands, (std::vector<int>{0, 1}));
}

TEST(OpCost, AttentionGroupedQuery) {
  // x [2, 4, 8], 2 heads, 1 kv head, f32. hd = 4, Dkv = 4, M = 8,
  // q/k/v width 8 + 4 + 4 = 16, one S x S buffer = 2*2*16 = 64 elements.
  TestOp op = unary(Kind::Attention, floats({2, 4, 8}));
  op.heads = 2;
  op.kvHeads = 1;
  op.causal = true;
  OpCost c = opCost(op, 4);
  // F: qkv 2*8*8*16 = 2048; scores 2*B*S*S*D = 512; softmax 6*64 = 384;
  // p v 512; o 2*8*8*8 = 1024.
  EXPECT_EQ(c.fwd.flops(), 2048 + 512 + 384 + 512 + 1024);
  // F bytes: qkv (64 + 128 + 128)*4 = 1280; scores q, k 2*64*4 + f32 64*4 =
  // 768; softmax 8*64 = 512; p v 256 + 2*64*4 = 768; o (128 + 64)*4 = 768.
  EXPECT_EQ(c.fwd.bytes(), 1280 + 768 + 512 + 768 + 768);
  // B: dy 1024; dp, dv, dq, dk 4*512; softmax backward 5*64; dx 2048.
  EXPECT_EQ(c.dgrad.flops(), 1024 + 2048 + 320 + 2048);
  // W: dwo 1024, dwqkv 2048.
  EXPECT_EQ(c.wgrad.flops(), 3072);
  // wq, wo 64 each; wk, wv 8*4 each.
  EXPECT_EQ(c.params, 192);
  // f32 q, k, v, y: 4*8*8 = 256, a logsumexp per query row B*H*S = 16 (no
  // S x S probabilities).
  EXPECT_EQ(c.savedF32, 272);
  op.rope = true;
  // RoPE on q and k: 3 flops per element of 8 * (8 + 4) = 96 elements, both
  // in F and in B.
  EXPECT_EQ(opCost(op, 4).fwd.flops(), c.fwd.flops() + 288);
  EXPECT_EQ(opCost(op, 4).dgrad.flops(), c.dgrad.flops() + 288);
}

TEST(OpCost, CrossEntropyAndMse) {
  TestOp ce;
  ce.kind = Kind::CrossEntropy;
  ce.operands = {0, 1};
  ce.inputs = {floats({2, 3, 10}), ints({2, 3})};
  ce.output = floats({});
  OpCost c = opCost(ce, 2);
  // M = 6 rows of V = 10: F 4*60 + 3*6 flops; logits 120 bytes, targets 24,
  // lse 24. B: 5*60 flops; logits 120 + dlogits RMW 240 + 48.
  EXPECT_EQ(c.fwd.flops(), 258);
  EXPECT_EQ(c.fwd.bytes(), 168);
  EXPECT_EQ(c.dgrad.flops(), 300);
  EXPECT_EQ(c.dgrad.bytes(), 408);
  EXPECT_EQ(c.savedF32, 6);
  TestOp mse = ce;
  mse.kind = Kind::Mse;
  mse.inputs = {floats({5, 2}), floats({5, 2})};
  OpCost m = opCost(mse, 4);
  // 10 elements: F 30 flops, reads 80 bytes; B 30 flops, 80 + 80.
  EXPECT_EQ(m.fwd.flops(), 30);
  EXPECT_EQ(m.fwd.bytes(), 80);
  EXPECT_EQ(m.dgrad.flops(), 30);
  EXPECT_EQ(m.dgrad.bytes(), 160);
}

TEST(OpCost, ExternCountsTheBody) {
  TestOp op = unary(Kind::Extern, floats({10}));
  op.operands = {0, 1};
  op.inputs = {floats({10}), floats({10})};
  op.externFwdFlops = 7;
  op.externBwdFlops = 12;
  OpCost c = opCost(op, 2);
  // F: 70 flops; two inputs and one output, 30 elements at 2 bytes.
  EXPECT_EQ(c.fwd.flops(), 70);
  EXPECT_EQ(c.fwd.bytes(), 60);
  // B: 12 + 2 accumulates per element; a, b, dout 60 + two RMWs 80.
  EXPECT_EQ(c.dgrad.flops(), 140);
  EXPECT_EQ(c.dgrad.bytes(), 140);
}

TEST(OpCost, RooflineTimePerKernel) {
  DeviceProfile d;
  d.peakBf16 = 1e12;
  d.peakFp32 = 1e11;
  d.memoryBandwidth = 1e9;
  d.matmulEfficiency = 0.5;
  d.elementwiseEfficiency = 1;
  d.kernelLaunchUs = 2;
  PhaseCost p;
  // Matmul: 1e6 flops at 0.5 * 1e12 = 2 us; 1e3 bytes at 1e9 = 1 us -> 2 + 2.
  p.kernels.push_back({1e6, 1e3, true});
  EXPECT_DOUBLE_EQ(p.timeUs(d, Precision::BF16), 4.0);
  // Elementwise: 1e5 flops at 1e11 = 1 us; 1e4 bytes = 10 us -> 10 + 2.
  p.kernels.push_back({1e5, 1e4, false});
  EXPECT_DOUBLE_EQ(p.timeUs(d, Precision::BF16), 4.0 + 12.0);
}

} // namespace
