// Host linear, layernorm, rmsnorm and embedding: hand-computed values and
// finite differences.
#include "fd_harness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace pipeops;
using namespace pipeops::test;

TEST(HostLinear, HandComputedForward) {
  Context ctx = hostContext();
  // [1 2; 3 4] @ [1 0 1; 0 1 1] + [10 20 30] = [11 22 33; 13 24 37]
  std::vector<float> in = {1, 2, 3, 4}, w = {1, 0, 1, 0, 1, 1},
                     bias = {10, 20, 30}, out(6);
  linear_forward(ctx, out.data(), in.data(), w.data(), bias.data(), 2, 2, 3);
  EXPECT_EQ(out, (std::vector<float>{11, 22, 33, 13, 24, 37}));
}

TEST(HostLinear, Gradients) {
  Context ctx = hostContext(2);
  Rng rng(11);
  int64_t M = 5, K = 4, N = 3;
  auto in = rng.normal(M * K), w = rng.normal(K * N), bias = rng.normal(N);
  auto r = rng.normal(M * N);
  std::vector<float> out(M * N);
  auto loss = [&] {
    linear_forward(ctx, out.data(), in.data(), w.data(), bias.data(), M, K, N);
    return weightedSum(out, r);
  };
  auto baseIn = rng.normal(M * K), baseW = rng.normal(K * N),
       baseB = rng.normal(N);
  auto din = baseIn, dw = baseW, db = baseB;
  linear_backward_input(ctx, din.data(), r.data(), w.data(), M, K, N);
  linear_backward_weight(ctx, dw.data(), db.data(), r.data(), in.data(), M, K,
                         N);
  expectGradient("linear/in", in, minus(din, baseIn), loss);
  expectGradient("linear/w", w, minus(dw, baseW), loss);
  expectGradient("linear/bias", bias, minus(db, baseB), loss);
}

TEST(HostTiedLinear, HandComputedForward) {
  Context ctx = hostContext();
  // in [1 2; 3 4] @ table^T, table [1 0; 0 1; 1 1] (3 x 2): [1 2 3; 3 4 7].
  std::vector<float> in = {1, 2, 3, 4}, table = {1, 0, 0, 1, 1, 1},
                     out(6, 99.0f);
  tied_linear_forward(ctx, out.data(), in.data(), table.data(), 2, 2, 3);
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, 3, 4, 7}));
}

TEST(HostTiedLinear, Gradients) {
  Context ctx = hostContext(2);
  Rng rng(12);
  int64_t M = 5, K = 4, N = 7; // table N x K
  auto in = rng.normal(M * K), table = rng.normal(N * K);
  auto r = rng.normal(M * N);
  std::vector<float> out(M * N);
  auto loss = [&] {
    tied_linear_forward(ctx, out.data(), in.data(), table.data(), M, K, N);
    return weightedSum(out, r);
  };
  auto baseIn = rng.normal(M * K), baseT = rng.normal(N * K);
  auto din = baseIn, dt = baseT;
  tied_linear_backward_input(ctx, din.data(), r.data(), table.data(), M, K, N);
  tied_linear_backward_weight(ctx, dt.data(), r.data(), in.data(), M, K, N);
  expectGradient("tied_linear/in", in, minus(din, baseIn), loss);
  expectGradient("tied_linear/table", table, minus(dt, baseT), loss);
}

TEST(HostAddF32, Accumulates) {
  Context ctx = hostContext(2);
  std::vector<float> dst = {1, 2, 3}, src = {0.5f, -2, 4};
  add_f32(ctx, dst.data(), src.data(), 3);
  EXPECT_EQ(dst, (std::vector<float>{1.5f, 0, 7}));
}

TEST(HostLayernorm, ForwardNormalises) {
  Context ctx = hostContext();
  // Row {1, 2, 3, 6}: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5.
  std::vector<float> in = {1, 2, 3, 6}, scale = {1, 1, 2, 1},
                     shift = {0, 0, 0, 1}, out(4), saved(2);
  layernorm_forward(ctx, out.data(), saved.data(), in.data(), scale.data(),
                    shift.data(), 1, 4, 0.0f);
  double rstd = 1 / std::sqrt(3.5);
  EXPECT_NEAR(out[0], -2 * rstd, 1e-6);
  EXPECT_NEAR(out[2], 0.0, 1e-6);
  EXPECT_NEAR(out[3], 3 * rstd + 1, 1e-6);
  EXPECT_NEAR(saved[0], 3.0, 1e-6);
  EXPECT_NEAR(saved[1], rstd, 1e-6);
}

TEST(HostLayernorm, Gradients) {
  Context ctx = hostContext(2);
  Rng rng(12);
  int64_t M = 4, D = 6;
  auto in = rng.normal(M * D), scale = rng.normal(D), shift = rng.normal(D);
  auto r = rng.normal(M * D);
  std::vector<float> out(M * D), saved(layernorm_saved_floats(M));
  auto loss = [&] {
    layernorm_forward(ctx, out.data(), saved.data(), in.data(), scale.data(),
                      shift.data(), M, D, 1e-5f);
    return weightedSum(out, r);
  };
  loss();
  auto baseIn = rng.normal(M * D), baseS = rng.normal(D), baseB = rng.normal(D);
  auto din = baseIn, ds = baseS, db = baseB;
  layernorm_backward_input(ctx, din.data(), r.data(), in.data(), saved.data(),
                           scale.data(), M, D);
  layernorm_backward_weight(ctx, ds.data(), db.data(), r.data(), in.data(),
                            saved.data(), M, D);
  expectGradient("layernorm/in", in, minus(din, baseIn), loss, 1e-3);
  expectGradient("layernorm/scale", scale, minus(ds, baseS), loss, 1e-3);
  expectGradient("layernorm/shift", shift, minus(db, baseB), loss, 1e-3);
}

TEST(HostRmsnorm, ForwardAndGradients) {
  Context ctx = hostContext(2);
  // Row {3, 4}: mean square 12.5.
  std::vector<float> in0 = {3, 4}, sc0 = {1, 2}, out0(2), sv0(1);
  rmsnorm_forward(ctx, out0.data(), sv0.data(), in0.data(), sc0.data(), 1, 2,
                  0.0f);
  EXPECT_NEAR(out0[1], 8 / std::sqrt(12.5), 1e-6);

  Rng rng(13);
  int64_t M = 4, D = 6;
  auto in = rng.normal(M * D), scale = rng.normal(D), r = rng.normal(M * D);
  std::vector<float> out(M * D), saved(rmsnorm_saved_floats(M));
  auto loss = [&] {
    rmsnorm_forward(ctx, out.data(), saved.data(), in.data(), scale.data(), M,
                    D, 1e-6f);
    return weightedSum(out, r);
  };
  loss();
  auto baseIn = rng.normal(M * D), baseS = rng.normal(D);
  auto din = baseIn, ds = baseS;
  rmsnorm_backward_input(ctx, din.data(), r.data(), in.data(), saved.data(),
                         scale.data(), M, D);
  rmsnorm_backward_weight(ctx, ds.data(), r.data(), in.data(), saved.data(), M,
                          D);
  expectGradient("rmsnorm/in", in, minus(din, baseIn), loss, 1e-3);
  expectGradient("rmsnorm/scale", scale, minus(ds, baseS), loss, 1e-3);
}

TEST(HostEmbedding, ForwardAndGradients) {
  Context ctx = hostContext(2);
  Rng rng(14);
  int64_t B = 2, S = 3, V = 5, D = 4, M = B * S;
  std::vector<int32_t> ids = {4, 0, 4,
                              1, 1, 2}; // repeats exercise accumulation
  auto wte = rng.normal(V * D), wpe = rng.normal(S * D), r = rng.normal(M * D);
  std::vector<float> out(M * D);
  auto loss = [&] {
    embedding_forward(ctx, out.data(), ids.data(), wte.data(), wpe.data(), M, S,
                      V, D);
    return weightedSum(out, r);
  };
  loss();
  EXPECT_EQ(out[3 * D + 2],
            wte[1 * D + 2] + wpe[0 * D + 2]); // row 3: token 1, position 0
  auto baseT = rng.normal(V * D), baseP = rng.normal(S * D);
  auto dt = baseT, dp = baseP;
  embedding_backward_weight(ctx, dt.data(), dp.data(), r.data(), ids.data(), M,
                            S, V, D);
  expectGradient("embedding/wte", wte, minus(dt, baseT), loss);
  expectGradient("embedding/wpe", wpe, minus(dp, baseP), loss);

  ids[2] = 5;
  EXPECT_THROW(embedding_forward(ctx, out.data(), ids.data(), wte.data(),
                                 nullptr, M, S, V, D),
               std::runtime_error);
  ids[2] = -1;
  EXPECT_THROW(embedding_backward_weight(ctx, dt.data(), nullptr, r.data(),
                                         ids.data(), M, S, V, D),
               std::runtime_error);
}
