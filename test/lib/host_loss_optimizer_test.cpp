// Host losses (cross entropy, mse) and optimizers (AdamW, SGD) against scalar
// formulas and finite differences.
#include "fd_harness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace pipeops;
using namespace pipeops::test;

TEST(HostCrossEntropy, ForwardAndGradient) {
  Context ctx = hostContext(2);
  Rng rng(41);
  int64_t M = 5, V = 7;
  auto logits = rng.normal(M * V, 2.0f);
  std::vector<int32_t> targets = {0, 6, 3, 3, 1};
  std::vector<float> saved(cross_entropy_saved_floats(M));
  float loss = 0;
  cross_entropy_forward(ctx, &loss, saved.data(), logits.data(), targets.data(),
                        M, V);
  double ref = 0;
  for (int64_t i = 0; i < M; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < V; ++j)
      sum += std::exp(double(logits[i * V + j]));
    ref += std::log(sum) - logits[i * V + targets[i]];
  }
  EXPECT_NEAR(loss, ref / M, 1e-5);

  float dloss = 0.25f; // e.g. 1 / microbatches
  auto lossFn = [&] {
    float l = 0;
    cross_entropy_forward(ctx, &l, saved.data(), logits.data(), targets.data(),
                          M, V);
    return double(l) * dloss;
  };
  lossFn();
  auto base = rng.normal(M * V);
  auto dl = base;
  cross_entropy_backward_input(ctx, dl.data(), dloss, logits.data(),
                               targets.data(), saved.data(), M, V);
  expectGradient("cross_entropy/logits", logits, minus(dl, base), lossFn, 1e-2,
                 2e-4);

  targets[4] = 7;
  EXPECT_THROW(cross_entropy_forward(ctx, &loss, saved.data(), logits.data(),
                                     targets.data(), M, V),
               std::runtime_error);
}

TEST(HostMse, ForwardAndGradient) {
  Context ctx = hostContext(2);
  std::vector<float> pred = {1, 2, 3, 4}, target = {0, 2, 5, 4};
  float loss = 0;
  mse_forward(ctx, &loss, pred.data(), target.data(), 4);
  EXPECT_FLOAT_EQ(loss, (1.0f + 0 + 4 + 0) / 4);
  Rng rng(42);
  pred = rng.normal(9), target = rng.normal(9);
  auto lossFn = [&] {
    float l = 0;
    mse_forward(ctx, &l, pred.data(), target.data(), 9);
    return double(l) * 3.0;
  };
  auto base = rng.normal(9);
  auto dp = base;
  mse_backward_input(ctx, dp.data(), 3.0f, pred.data(), target.data(), 9);
  expectGradient("mse/pred", pred, minus(dp, base), lossFn);
}

TEST(HostOptimizer, AdamWMatchesScalarFormula) {
  Context ctx = hostContext(2);
  AdamW opt{0.01f, 0.9f, 0.99f, 1e-8f, 0.1f};
  Rng rng(43);
  std::vector<float> p1 = rng.normal(5), p2 = rng.normal(3), m1(5, 0), v1(5, 0),
                     m2(3, 0), v2(3, 0);
  std::vector<double> rp(p1.begin(), p1.end()), rm(5, 0), rv(5, 0);
  for (int step = 1; step <= 3; ++step) {
    auto g1 = rng.normal(5), g2 = rng.normal(3);
    float *params[] = {p1.data(), p2.data()}, *ms[] = {m1.data(), m2.data()},
          *vs[] = {v1.data(), v2.data()};
    const float *grads[] = {g1.data(), g2.data()};
    int64_t sizes[] = {5, 3};
    adamw_step(ctx, opt, step, params, grads, ms, vs, sizes, 2);
    for (int i = 0; i < 5; ++i) { // torch.optim.AdamW, written out
      rp[i] *= 1 - 0.01 * 0.1;
      rm[i] = 0.9 * rm[i] + 0.1 * g1[i];
      rv[i] = 0.99 * rv[i] + 0.01 * double(g1[i]) * g1[i];
      double mhat = rm[i] / (1 - std::pow(0.9, step)),
             vhat = rv[i] / (1 - std::pow(0.99, step));
      rp[i] -= 0.01 * mhat / (std::sqrt(vhat) + 1e-8);
    }
  }
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(p1[i], rp[i], 1e-5);
  EXPECT_THROW(
      adamw_step(ctx, opt, 0, nullptr, nullptr, nullptr, nullptr, nullptr, 0),
      std::runtime_error);
}

TEST(HostOptimizer, SgdMomentumMatchesScalarFormula) {
  Context ctx = hostContext();
  // p = 1, momentum 0.5, lr 0.1, grads 1, 2, then 3:
  // buf 1 -> p 0.9; buf 0.5 + 2 = 2.5 -> p 0.65; buf 1.25 + 3 = 4.25 -> p
  // 0.225.
  std::vector<float> p = {1.0f}, vel = {0.0f};
  for (float g : {1.0f, 2.0f, 3.0f}) {
    float *params[] = {p.data()}, *v[] = {vel.data()};
    const float *grads[] = {&g};
    int64_t sizes[] = {1};
    sgd_step(ctx, 0.1f, 0.5f, params, grads, v, sizes, 1);
  }
  EXPECT_NEAR(p[0], 0.225f, 1e-6);
  float g = 2.0f, *params[] = {p.data()};
  const float *grads[] = {&g};
  int64_t sizes[] = {1};
  sgd_step(ctx, 0.1f, 0.0f, params, grads, nullptr, sizes,
           1); // plain SGD: no velocity needed
  EXPECT_NEAR(p[0], 0.025f, 1e-6);
}
