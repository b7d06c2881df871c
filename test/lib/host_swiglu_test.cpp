// Host swiglu: closed-form values, finite-difference gradients of both
// inputs, and the aliased call swiglu(x, x).
#include "fd_harness.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace pipeops;
using namespace pipeops::test;

TEST(HostSwiglu, ClosedFormValues) {
  Context ctx = hostContext();
  std::vector<float> a = {-2.0f, -0.5f, 0.0f, 1.0f, 3.0f};
  std::vector<float> b = {1.5f, -1.0f, 4.0f, 2.0f, -0.25f}, y(5);
  swiglu_forward(ctx, y.data(), a.data(), b.data(), 5);
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(y[i], a[i] / (1 + std::exp(-a[i])) * b[i], 1e-6) << i;
}

TEST(HostSwiglu, GradientsOfBothInputs) {
  Context ctx = hostContext(2);
  Rng rng(11);
  int64_t n = 37;
  auto a = rng.normal(n, 2.0f), b = rng.normal(n), r = rng.normal(n);
  std::vector<float> out(n);
  auto loss = [&] {
    swiglu_forward(ctx, out.data(), a.data(), b.data(), n);
    return weightedSum(out, r);
  };
  auto baseA = rng.normal(n), baseB = rng.normal(n);
  auto da = baseA, db = baseB;
  swiglu_backward_input(ctx, da.data(), db.data(), r.data(), a.data(), b.data(),
                        n);
  expectGradient("swiglu/a", a, minus(da, baseA), loss, 1e-3);
  expectGradient("swiglu/b", b, minus(db, baseB), loss, 1e-3);
}

// swiglu(x, x) = silu(x) * x: one gradient buffer receives both terms.
TEST(HostSwiglu, AliasedOperandsAccumulateBothTerms) {
  Context ctx = hostContext();
  Rng rng(12);
  int64_t n = 16;
  auto x = rng.normal(n, 2.0f), r = rng.normal(n);
  std::vector<float> out(n);
  auto loss = [&] {
    swiglu_forward(ctx, out.data(), x.data(), x.data(), n);
    return weightedSum(out, r);
  };
  auto base = rng.normal(n);
  auto dx = base;
  swiglu_backward_input(ctx, dx.data(), dx.data(), r.data(), x.data(), x.data(),
                        n);
  expectGradient("swiglu/x,x", x, minus(dx, base), loss, 1e-3);
}
