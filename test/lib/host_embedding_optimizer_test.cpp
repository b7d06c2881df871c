// Host embedding and optimizers against the plain-loop reference kernels:
// bit-identical where the arithmetic is the same additions in the same order
// (embedding, bf16 rounding), within float rounding where the vectorised
// clones may fuse a multiply-add (optimizers); bit-identical whatever the
// thread count.
#include "common.h"
#include "fd_harness.h"
#include "pipeops/reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace pipeops;
using namespace pipeops::test;

namespace {

bool sameBits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct EmbShape {
  int64_t M, S, V, D;
};
// Odd sizes (vector tails, fewer rows than positions), a vocabulary smaller
// than the rows (many repeats), and the benchmark's shape (several chunks).
const EmbShape kEmbShapes[] = {
    {1, 1, 1, 1}, {13, 5, 3, 7}, {517, 11, 37, 67}, {1024, 128, 512, 256}};

TEST(HostEmbeddingVector, MatchesReferenceBitForBit) {
  for (const EmbShape &s : kEmbShapes)
    for (DType dtype : {DType::F32, DType::BF16})
      for (bool positional : {true, false}) {
        Rng rng(51);
        auto wte = rng.normal(s.V * s.D), wpe = rng.normal(s.S * s.D),
             dout = rng.normal(s.M * s.D);
        auto ids = rng.ids(s.M, static_cast<int32_t>(s.V));
        const float *pe = positional ? wpe.data() : nullptr;
        std::vector<float> ref(s.M * s.D);
        reference::embedding_forward(ref.data(), ids.data(), wte.data(), pe,
                                     s.M, s.S, s.D, dtype == DType::BF16);
        auto refT = rng.normal(s.V * s.D), refP = rng.normal(s.S * s.D);
        auto startT = refT, startP = refP;
        reference::embedding_backward_weight(
            refT.data(), positional ? refP.data() : nullptr, dout.data(),
            ids.data(), s.M, s.S, s.D);
        for (int threads : {1, 2, 0}) {
          Context ctx = hostContext(threads);
          ctx.dtype = dtype;
          std::vector<float> out(s.M * s.D, 3.0f);
          embedding_forward(ctx, out.data(), ids.data(), wte.data(), pe, s.M,
                            s.S, s.V, s.D);
          EXPECT_TRUE(sameBits(out, ref))
              << "forward M" << s.M << " D" << s.D << " threads " << threads;
          auto dt = startT, dp = startP;
          embedding_backward_weight(
              ctx, dt.data(), positional ? dp.data() : nullptr, dout.data(),
              ids.data(), s.M, s.S, s.V, s.D);
          EXPECT_TRUE(sameBits(dt, refT))
              << "dwte M" << s.M << " D" << s.D << " threads " << threads;
          EXPECT_TRUE(sameBits(dp, refP))
              << "dwpe M" << s.M << " D" << s.D << " threads " << threads;
        }
      }
}

// The vectorised bf16 rounding gives roundBF16's bits: ties to even both
// ways, overflow to infinity, infinities, NaNs (quiet, sign kept),
// subnormals, and random bit patterns.
TEST(HostBf16Vector, RoundStoredMatchesScalarRounding) {
  std::vector<uint32_t> bits = {
      0x3f808000u, 0x3f818000u, 0x3f80ffffu, 0x7f7fffffu, 0x7f800000u,
      0xff800000u, 0x7f800001u, 0xffc00001u, 0x7fbfffffu, 0x00000001u,
      0x8000ffffu, 0x00008000u, 0x00018000u, 0x80000000u, 0u};
  std::mt19937 gen(52);
  for (int i = 0; i < 100000; ++i)
    bits.push_back(gen());
  std::vector<float> x(bits.size());
  std::memcpy(x.data(), bits.data(), bits.size() * 4);
  auto want = x;
  for (float &f : want)
    f = host::roundBF16(f);
  Context ctx = hostContext();
  ctx.dtype = DType::BF16;
  host::roundStored(ctx, x.data(), static_cast<int64_t>(x.size()));
  EXPECT_TRUE(sameBits(x, want));
}

// Many tensors: empty, one element, vector tails, several pieces each.
const std::vector<int64_t> kSizes = {0, 1, 7, 256, 16385, 40000, 3, 65536};

struct Tensors {
  std::vector<std::vector<float>> data;
  explicit Tensors(Rng &rng, float scale) {
    for (int64_t n : kSizes)
      data.push_back(rng.normal(n, scale));
  }
  std::vector<float *> ptrs() {
    std::vector<float *> p;
    for (auto &d : data)
      p.push_back(d.data());
    return p;
  }
  bool operator==(const Tensors &o) const {
    for (size_t t = 0; t < data.size(); ++t)
      if (!sameBits(data[t], o.data[t]))
        return false;
    return true;
  }
};

void expectClose(const Tensors &got, const Tensors &want, const char *what) {
  for (size_t t = 0; t < got.data.size(); ++t)
    for (size_t i = 0; i < got.data[t].size(); ++i)
      ASSERT_NEAR(got.data[t][i], want.data[t][i],
                  1e-6f * std::fabs(want.data[t][i]) + 1e-7f)
          << what << " tensor " << t << " at " << i;
}

TEST(HostOptimizerVector, AdamWMultiTensorMatchesReference) {
  AdamW opt{0.01f, 0.9f, 0.99f, 1e-8f, 0.1f};
  Rng rng(53);
  Tensors p0(rng, 1.0f), m0(rng, 0.1f), v0(rng, 0.0f);
  for (auto &d : v0.data) // second moments are >= 0
    for (float &f : d)
      f = std::fabs(rng.normal(1)[0]) * 0.01f;
  std::vector<Tensors> grads;
  for (int step = 0; step < 3; ++step)
    grads.emplace_back(rng, 1.0f);
  int count = static_cast<int>(kSizes.size());

  Tensors rp = p0, rm = m0, rv = v0;
  for (int step = 1; step <= 3; ++step) {
    auto g = grads[step - 1].ptrs();
    std::vector<const float *> cg(g.begin(), g.end());
    reference::adamw_step(opt, step, rp.ptrs().data(), cg.data(),
                          rm.ptrs().data(), rv.ptrs().data(), kSizes.data(),
                          count);
  }
  Tensors first = p0;
  for (int threads : {1, 2, 0}) {
    Tensors p = p0, m = m0, v = v0;
    for (int step = 1; step <= 3; ++step) {
      auto g = grads[step - 1].ptrs();
      std::vector<const float *> cg(g.begin(), g.end());
      adamw_step(hostContext(threads), opt, step, p.ptrs().data(), cg.data(),
                 m.ptrs().data(), v.ptrs().data(), kSizes.data(), count);
    }
    expectClose(p, rp, "adamw p");
    expectClose(m, rm, "adamw m");
    expectClose(v, rv, "adamw v");
    if (threads == 1)
      first = p;
    EXPECT_TRUE(p == first) << "threads " << threads;
  }
}

TEST(HostOptimizerVector, SgdMultiTensorMatchesReference) {
  Rng rng(54);
  Tensors p0(rng, 1.0f), b0(rng, 0.1f), g(rng, 1.0f);
  auto gp = g.ptrs();
  std::vector<const float *> cg(gp.begin(), gp.end());
  int count = static_cast<int>(kSizes.size());
  for (float momentum : {0.0f, 0.9f}) {
    Tensors rp = p0, rb = b0;
    for (int step = 0; step < 2; ++step)
      reference::sgd_step(0.05f, momentum, rp.ptrs().data(), cg.data(),
                          rb.ptrs().data(), kSizes.data(), count);
    Tensors first = p0;
    for (int threads : {1, 2, 0}) {
      Tensors p = p0, b = b0;
      for (int step = 0; step < 2; ++step)
        sgd_step(hostContext(threads), 0.05f, momentum, p.ptrs().data(),
                 cg.data(), momentum != 0.0f ? b.ptrs().data() : nullptr,
                 kSizes.data(), count);
      expectClose(p, rp, "sgd p");
      expectClose(b, rb, "sgd velocity");
      if (threads == 1)
        first = p;
      EXPECT_TRUE(p == first) << "threads " << threads;
    }
  }
}

} // namespace
