// Host elementwise ops (gelu, relu, silu, add, mul): closed-form values and
// finite differences.
#include "fd_harness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace pipeops;
using namespace pipeops::test;

namespace {

using Fwd = void (*)(const Context &, void *, const void *, int64_t);
using Bwd = void (*)(const Context &, void *, const void *, const void *,
                     int64_t);

void checkActivation(const char *name, Fwd fwd, Bwd bwd, std::vector<float> x) {
  Context ctx = hostContext(2);
  Rng rng(7);
  int64_t n = x.size();
  auto r = rng.normal(n);
  std::vector<float> out(n);
  auto loss = [&] {
    fwd(ctx, out.data(), x.data(), n);
    return weightedSum(out, r);
  };
  auto before = rng.normal(n);
  auto din = before;
  bwd(ctx, din.data(), r.data(), x.data(), n);
  expectGradient(name, x, minus(din, before), loss, 1e-3);
}

} // namespace

TEST(HostActivation, ClosedFormValues) {
  Context ctx = hostContext();
  std::vector<float> x = {-2.0f, -0.5f, 0.0f, 1.0f, 3.0f}, y(5);
  gelu_forward(ctx, y.data(), x.data(), 5);
  for (int i = 0; i < 5; ++i) {
    double u = std::sqrt(2.0 / M_PI) * (x[i] + 0.044715 * std::pow(x[i], 3));
    EXPECT_NEAR(y[i], 0.5 * x[i] * (1 + std::tanh(u)), 1e-6);
  }
  relu_forward(ctx, y.data(), x.data(), 5);
  EXPECT_EQ(y, (std::vector<float>{0, 0, 0, 1, 3}));
  silu_forward(ctx, y.data(), x.data(), 5);
  for (int i = 0; i < 5; ++i)
    EXPECT_NEAR(y[i], x[i] / (1 + std::exp(-x[i])), 1e-6);
}

TEST(HostActivation, GeluGradient) {
  checkActivation("gelu", gelu_forward, gelu_backward_input,
                  Rng(1).normal(40, 2.0f));
}

TEST(HostActivation, SiluGradient) {
  checkActivation("silu", silu_forward, silu_backward_input,
                  Rng(2).normal(40, 2.0f));
}

TEST(HostActivation, ReluGradientAwayFromKink) {
  auto x = Rng(3).normal(40, 2.0f);
  for (auto &v : x)
    v += v > 0 ? 0.1f : -0.1f; // keep every element at least 0.1 from the kink
  checkActivation("relu", relu_forward, relu_backward_input, x);
}

TEST(HostElementwise, AddAndMulGradients) {
  Context ctx = hostContext(2);
  Rng rng(4);
  int64_t n = 33;
  auto a = rng.normal(n), b = rng.normal(n), r = rng.normal(n);
  std::vector<float> out(n);
  auto addLoss = [&] {
    add_forward(ctx, out.data(), a.data(), b.data(), n);
    return weightedSum(out, r);
  };
  auto mulLoss = [&] {
    mul_forward(ctx, out.data(), a.data(), b.data(), n);
    return weightedSum(out, r);
  };
  auto baseA = rng.normal(n), baseB = rng.normal(n);
  auto da = baseA, db = baseB;
  add_backward_input(ctx, da.data(), db.data(), r.data(), n);
  expectGradient("add/a", a, minus(da, baseA), addLoss);
  expectGradient("add/b", b, minus(db, baseB), addLoss);
  da = baseA, db = baseB;
  mul_backward_input(ctx, da.data(), db.data(), r.data(), a.data(), b.data(),
                     n);
  expectGradient("mul/a", a, minus(da, baseA), mulLoss);
  expectGradient("mul/b", b, minus(db, baseB), mulLoss);
}

TEST(HostElementwise, Bf16StorageRoundsOutputs) {
  Context ctx = hostContext();
  ctx.dtype = DType::BF16;
  auto a = Rng(5).normal(64), b = Rng(6).normal(64);
  std::vector<float> out(64);
  add_forward(ctx, out.data(), a.data(), b.data(), 64);
  for (int i = 0; i < 64; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &out[i], 4);
    EXPECT_EQ(bits & 0xffffu, 0u) << "not a bf16 value at " << i;
    EXPECT_NEAR(out[i], a[i] + b[i],
                std::fabs(a[i] + b[i]) * (1.0 / 256) + 1e-30);
  }
}

TEST(HostElementwise, CastRoundsToNearestEven) {
  Context ctx = hostContext();
  // 1 + 2^-8 is halfway between bf16 1.0 and 1 + 2^-7: ties go to the even
  // mantissa (1.0); 1 + 3*2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6 and
  // goes up to 1 + 2^-6.
  std::vector<float> src = {1.0f + 1.0f / 256, 1.0f + 3.0f / 256, -2.5f, 0.0f};
  std::vector<uint16_t> bits(4);
  std::vector<float> back(4);
  cast_f32_to_bf16(ctx, bits.data(), src.data(), 4);
  cast_bf16_to_f32(ctx, back.data(), bits.data(), 4);
  EXPECT_EQ(bits[0], 0x3f80);
  EXPECT_EQ(back[1], 1.0f + 1.0f / 64);
  EXPECT_EQ(bits[2],
            0xc020); // -2.5 = -1.25 * 2^1: sign, exponent 128, mantissa 0x20
  EXPECT_EQ(back[3], 0.0f);
}
