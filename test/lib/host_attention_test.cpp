// Host attention: forward against a naive double-precision triple loop, every
// gradient against finite differences, for causal/non-causal, grouped-query and
// RoPE; the fused kernel against the S x S reference kernel on shapes of many
// tiles; determinism.
#include "fd_harness.h"
#include "pipeops/reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <ostream>
#include <string>

using namespace pipeops;
using namespace pipeops::test;

namespace {

struct Config {
  int64_t B, S, D, heads, kvHeads;
  bool causal, rope;
};

void PrintTo(const Config &c, std::ostream *os) {
  *os << "B" << c.B << " S" << c.S << " D" << c.D << " heads " << c.heads
      << " kv " << c.kvHeads << (c.causal ? " causal" : " full")
      << (c.rope ? " rope" : "");
}

struct Problem {
  Config c;
  int64_t M, Dkv;
  std::vector<float> x, wq, wk, wv, wo;
  std::vector<float> bq, bk, bv, bo; ///< GPT-2's biases; empty without
  explicit Problem(Config c, unsigned seed, bool bias = false)
      : c(c), M(c.B * c.S), Dkv(c.D / c.heads * c.kvHeads) {
    Rng rng(seed);
    x = rng.normal(M * c.D);
    float ws = 1.0f / std::sqrt(static_cast<float>(c.D));
    wq = rng.normal(c.D * c.D, 2 * ws);
    wk = rng.normal(c.D * Dkv, 2 * ws);
    wv = rng.normal(c.D * Dkv, ws);
    wo = rng.normal(c.D * c.D, ws);
    if (bias) {
      bq = rng.normal(c.D), bk = rng.normal(Dkv), bv = rng.normal(Dkv);
      bo = rng.normal(c.D);
    }
  }
  static const float *orNull(const std::vector<float> &v) {
    return v.empty() ? nullptr : v.data();
  }
  void forward(const Context &ctx, std::vector<float> &out,
               std::vector<float> &saved) {
    out.assign(M * c.D, 0.0f);
    saved.assign(attention_saved_floats(c.B, c.S, c.D, c.heads, c.kvHeads),
                 0.0f);
    attention_forward(ctx, out.data(), saved.data(), x.data(), wq.data(),
                      wk.data(), wv.data(), wo.data(), orNull(bq), orNull(bk),
                      orNull(bv), orNull(bo), c.B, c.S, c.D, c.heads, c.kvHeads,
                      c.causal, c.rope);
  }
};

/// Independent reference: projections, RoPE, softmax and output projection in
/// double.
std::vector<double> naiveAttention(const Problem &p) {
  const Config &c = p.c;
  int64_t hd = c.D / c.heads, group = c.heads / c.kvHeads;
  auto project = [&](const std::vector<float> &w, int64_t cols,
                     const std::vector<float> &bias) {
    std::vector<double> r(p.M * cols, 0.0);
    if (!bias.empty())
      for (int64_t i = 0; i < p.M; ++i)
        for (int64_t j = 0; j < cols; ++j)
          r[i * cols + j] = bias[j];
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < cols; ++j)
        for (int64_t k = 0; k < c.D; ++k)
          r[i * cols + j] += double(p.x[i * c.D + k]) * w[k * cols + j];
    return r;
  };
  auto q = project(p.wq, c.D, p.bq), k = project(p.wk, p.Dkv, p.bk),
       v = project(p.wv, p.Dkv, p.bv);
  auto rope = [&](std::vector<double> &t, int64_t cols) {
    if (!c.rope)
      return;
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t h = 0; h < cols / hd; ++h)
        for (int64_t e = 0; e < hd / 2; ++e) {
          double th = double(i % c.S) * std::pow(10000.0, -2.0 * e / hd);
          double &a = t[i * cols + h * hd + 2 * e],
                 &b = t[i * cols + h * hd + 2 * e + 1];
          double na = a * std::cos(th) - b * std::sin(th),
                 nb = a * std::sin(th) + b * std::cos(th);
          a = na, b = nb;
        }
  };
  rope(q, c.D);
  rope(k, p.Dkv);
  std::vector<double> y(p.M * c.D, 0.0), out(p.M * c.D, 0.0);
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t h = 0; h < c.heads; ++h)
      for (int64_t i = 0; i < c.S; ++i) {
        int64_t kh = h / group, qi = (b * c.S + i) * c.D + h * hd;
        std::vector<double> s(c.S, -INFINITY);
        double mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < c.S; ++j) {
          if (c.causal && j > i)
            continue;
          double dot = 0;
          for (int64_t e = 0; e < hd; ++e)
            dot += q[qi + e] * k[(b * c.S + j) * p.Dkv + kh * hd + e];
          s[j] = dot / std::sqrt(double(hd));
          mx = std::max(mx, s[j]);
        }
        for (int64_t j = 0; j < c.S; ++j)
          sum += std::exp(s[j] - mx);
        for (int64_t j = 0; j < c.S; ++j)
          for (int64_t e = 0; e < hd; ++e)
            y[qi + e] += std::exp(s[j] - mx) / sum *
                         v[(b * c.S + j) * p.Dkv + kh * hd + e];
      }
  for (int64_t i = 0; i < p.M; ++i)
    for (int64_t j = 0; j < c.D; ++j)
      out[i * c.D + j] = p.bo.empty() ? 0.0 : p.bo[j];
  for (int64_t i = 0; i < p.M; ++i)
    for (int64_t j = 0; j < c.D; ++j)
      for (int64_t k2 = 0; k2 < c.D; ++k2)
        out[i * c.D + j] += y[i * c.D + k2] * p.wo[k2 * c.D + j];
  return out;
}

class HostAttention : public ::testing::TestWithParam<Config> {};

TEST_P(HostAttention, ForwardMatchesNaiveLoop) {
  Problem p(GetParam(), 21);
  std::vector<float> out, saved;
  p.forward(hostContext(2), out, saved);
  auto ref = naiveAttention(p);
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_NEAR(out[i], ref[i], 1e-5 + 1e-5 * std::fabs(ref[i])) << "at " << i;
}

TEST_P(HostAttention, GradientsMatchFiniteDifferences) {
  Problem p(GetParam(), 22);
  const Config &c = p.c;
  Context ctx = hostContext(2);
  Rng rng(23);
  auto r = rng.normal(p.M * c.D);
  std::vector<float> out, saved;
  auto loss = [&] {
    p.forward(ctx, out, saved);
    return weightedSum(out, r);
  };
  loss();
  std::vector<float> wsaved(
      attention_wsaved_floats(c.B, c.S, c.D, c.heads, c.kvHeads));
  auto baseX = rng.normal(p.x.size()), baseQ = rng.normal(p.wq.size()),
       baseK = rng.normal(p.wk.size()), baseV = rng.normal(p.wv.size()),
       baseO = rng.normal(p.wo.size());
  auto dx = baseX, dq = baseQ, dk = baseK, dv = baseV, dO = baseO;
  attention_backward_input(ctx, dx.data(), wsaved.data(), r.data(), p.x.data(),
                           saved.data(), p.wq.data(), p.wk.data(), p.wv.data(),
                           p.wo.data(), c.B, c.S, c.D, c.heads, c.kvHeads,
                           c.causal, c.rope);
  attention_backward_weight(ctx, dq.data(), dk.data(), dv.data(), dO.data(),
                            nullptr, nullptr, nullptr, nullptr, r.data(),
                            p.x.data(), saved.data(), wsaved.data(), c.B, c.S,
                            c.D, c.heads, c.kvHeads, c.causal, c.rope);
  expectGradient("attention/x", p.x, minus(dx, baseX), loss, 1e-3);
  expectGradient("attention/wq", p.wq, minus(dq, baseQ), loss, 1e-3);
  expectGradient("attention/wk", p.wk, minus(dk, baseK), loss, 1e-3);
  expectGradient("attention/wv", p.wv, minus(dv, baseV), loss, 1e-3);
  expectGradient("attention/wo", p.wo, minus(dO, baseO), loss, 1e-3);
}

// GPT-2's q, k, v and o biases: the forward against the naive loop (which
// adds them where the model does), their gradients and the input's by
// finite differences.
TEST_P(HostAttention, BiasesMatchNaiveLoopAndFiniteDifferences) {
  Problem p(GetParam(), 24, /*bias=*/true);
  const Config &c = p.c;
  Context ctx = hostContext(2);
  std::vector<float> out, saved;
  p.forward(ctx, out, saved);
  auto ref = naiveAttention(p);
  for (size_t i = 0; i < out.size(); ++i)
    EXPECT_NEAR(out[i], ref[i], 1e-5 + 1e-5 * std::fabs(ref[i])) << "at " << i;
  Rng rng(25);
  auto r = rng.normal(p.M * c.D);
  auto loss = [&] {
    p.forward(ctx, out, saved);
    return weightedSum(out, r);
  };
  loss();
  std::vector<float> wsaved(
      attention_wsaved_floats(c.B, c.S, c.D, c.heads, c.kvHeads));
  std::vector<float> dx(p.x.size(), 0),
      dw[4] = {std::vector<float>(p.wq.size(), 0),
               std::vector<float>(p.wk.size(), 0),
               std::vector<float>(p.wv.size(), 0),
               std::vector<float>(p.wo.size(), 0)};
  auto baseQ = rng.normal(p.bq.size()), baseK = rng.normal(p.bk.size()),
       baseV = rng.normal(p.bv.size()), baseO = rng.normal(p.bo.size());
  auto dbq = baseQ, dbk = baseK, dbv = baseV, dbo = baseO;
  attention_backward_input(ctx, dx.data(), wsaved.data(), r.data(), p.x.data(),
                           saved.data(), p.wq.data(), p.wk.data(), p.wv.data(),
                           p.wo.data(), c.B, c.S, c.D, c.heads, c.kvHeads,
                           c.causal, c.rope);
  attention_backward_weight(
      ctx, dw[0].data(), dw[1].data(), dw[2].data(), dw[3].data(), dbq.data(),
      dbk.data(), dbv.data(), dbo.data(), r.data(), p.x.data(), saved.data(),
      wsaved.data(), c.B, c.S, c.D, c.heads, c.kvHeads, c.causal, c.rope);
  expectGradient("attention/x (bias)", p.x, dx, loss, 1e-3);
  expectGradient("attention/wq (bias)", p.wq, dw[0], loss, 1e-3);
  expectGradient("attention/bq", p.bq, minus(dbq, baseQ), loss, 1e-3);
  expectGradient("attention/bk", p.bk, minus(dbk, baseK), loss, 1e-3);
  expectGradient("attention/bv", p.bv, minus(dbv, baseV), loss, 1e-3);
  expectGradient("attention/bo", p.bo, minus(dbo, baseO), loss, 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Configs, HostAttention,
                         ::testing::Values(Config{2, 4, 8, 2, 2, true, false},
                                           Config{2, 4, 8, 2, 2, false, false},
                                           Config{2, 5, 8, 4, 2, true, true},
                                           Config{1, 6, 8, 4, 1, false, true},
                                           Config{1, 5, 12, 3, 1, true, true},
                                           // odd head dims: 3, and 1
                                           Config{1, 5, 9, 3, 3, true, false},
                                           Config{2, 4, 4, 4, 2, false, false}),
                         [](const ::testing::TestParamInfo<Config> &info) {
                           const Config &c = info.param;
                           return "B" + std::to_string(c.B) + "S" +
                                  std::to_string(c.S) + "D" +
                                  std::to_string(c.D) + "H" +
                                  std::to_string(c.heads) + "KV" +
                                  std::to_string(c.kvHeads) +
                                  (c.causal ? "Causal" : "Full") +
                                  (c.rope ? "Rope" : "");
                         });

// Several query and key tiles with ragged ends (the kernel tiles 32 x 64),
// every mask and head layout: outputs and all gradients against the reference
// kernel, which keeps the full probabilities.
class HostAttentionVsReference : public ::testing::TestWithParam<Config> {};

TEST_P(HostAttentionVsReference, OutputAndGradientsMatch) {
  Problem p(GetParam(), 24);
  const Config &c = p.c;
  Context ctx = hostContext(2);
  std::vector<float> out, saved;
  p.forward(ctx, out, saved);
  EXPECT_EQ(saved.size(), size_t(4 * c.B * c.S * c.D + c.B * c.heads * c.S));
  std::vector<float> refOut(out.size()),
      refSaved(reference::attention_saved_floats(c.B, c.S, c.D, c.heads));
  reference::attention_forward(refOut.data(), refSaved.data(), p.x.data(),
                               p.wq.data(), p.wk.data(), p.wv.data(),
                               p.wo.data(), c.B, c.S, c.D, c.heads, c.kvHeads,
                               c.causal, c.rope);
  auto near = [](const std::vector<float> &got, const std::vector<float> &want,
                 const char *what) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 2e-5 + 2e-4 * std::fabs(want[i]))
          << what << " at " << i;
  };
  near(out, refOut, "out");
  Rng rng(25);
  auto dout = rng.normal(out.size());
  std::vector<float> ws(
      attention_wsaved_floats(c.B, c.S, c.D, c.heads, c.kvHeads)),
      refWs(ws.size());
  auto dx = rng.normal(p.x.size()), refDx = dx;
  attention_backward_input(ctx, dx.data(), ws.data(), dout.data(), p.x.data(),
                           saved.data(), p.wq.data(), p.wk.data(), p.wv.data(),
                           p.wo.data(), c.B, c.S, c.D, c.heads, c.kvHeads,
                           c.causal, c.rope);
  reference::attention_backward_input(
      refDx.data(), refWs.data(), dout.data(), p.x.data(), refSaved.data(),
      p.wq.data(), p.wk.data(), p.wv.data(), p.wo.data(), c.B, c.S, c.D,
      c.heads, c.kvHeads, c.causal, c.rope);
  near(dx, refDx, "dx");
  near(ws, refWs, "wsaved");
  std::vector<std::vector<float>> dw, refDw;
  for (size_t n : {p.wq.size(), p.wk.size(), p.wv.size(), p.wo.size()}) {
    dw.push_back(rng.normal(n));
    refDw.push_back(dw.back());
  }
  attention_backward_weight(
      ctx, dw[0].data(), dw[1].data(), dw[2].data(), dw[3].data(), nullptr,
      nullptr, nullptr, nullptr, dout.data(), p.x.data(), saved.data(),
      ws.data(), c.B, c.S, c.D, c.heads, c.kvHeads, c.causal, c.rope);
  reference::attention_backward_weight(
      refDw[0].data(), refDw[1].data(), refDw[2].data(), refDw[3].data(),
      dout.data(), p.x.data(), refSaved.data(), refWs.data(), c.B, c.S, c.D,
      c.heads, c.kvHeads, c.causal, c.rope);
  for (int i = 0; i < 4; ++i)
    near(dw[i], refDw[i], "dw");
}

INSTANTIATE_TEST_SUITE_P(
    Tiles, HostAttentionVsReference,
    ::testing::Values(Config{2, 100, 16, 2, 2, true, false},
                      Config{1, 130, 16, 4, 2, false, true},
                      Config{1, 97, 24, 3, 1, true, true},
                      Config{3, 64, 32, 2, 1, true, false},
                      Config{1, 1, 8, 2, 2, true, true}),
    [](const ::testing::TestParamInfo<Config> &info) {
      const Config &c = info.param;
      return "B" + std::to_string(c.B) + "S" + std::to_string(c.S) + "H" +
             std::to_string(c.heads) + "KV" + std::to_string(c.kvHeads) +
             (c.causal ? "Causal" : "Full") + (c.rope ? "Rope" : "");
    });

TEST(HostAttentionShape, RejectsBadHeads) {
  Context ctx = hostContext();
  std::vector<float> buf(1024);
  EXPECT_THROW(attention_forward(ctx, buf.data(), buf.data(), buf.data(),
                                 buf.data(), buf.data(), buf.data(), buf.data(),
                                 nullptr, nullptr, nullptr, nullptr, 1, 2, 8, 3,
                                 3, true, false),
               std::runtime_error);
  EXPECT_THROW(attention_forward(ctx, buf.data(), buf.data(), buf.data(),
                                 buf.data(), buf.data(), buf.data(), buf.data(),
                                 nullptr, nullptr, nullptr, nullptr, 1, 2, 8, 4,
                                 3, true, false),
               std::runtime_error);
}

TEST(HostAttentionDeterminism, TwoRunsAreBitIdentical) {
  Config c{2, 7, 16, 4, 2, true, true};
  auto run = [&] {
    Problem p(c, 31);
    Context ctx = hostContext(2);
    std::vector<float> out, saved;
    p.forward(ctx, out, saved);
    std::vector<float> wsaved(
        attention_wsaved_floats(c.B, c.S, c.D, c.heads, c.kvHeads));
    std::vector<float> dx(p.x.size(), 0.0f), dq(p.wq.size(), 0.0f);
    std::vector<float> dk(p.wk.size(), 0.0f), dv(p.wv.size(), 0.0f),
        dO(p.wo.size(), 0.0f);
    attention_backward_input(ctx, dx.data(), wsaved.data(), out.data(),
                             p.x.data(), saved.data(), p.wq.data(), p.wk.data(),
                             p.wv.data(), p.wo.data(), c.B, c.S, c.D, c.heads,
                             c.kvHeads, c.causal, c.rope);
    attention_backward_weight(ctx, dq.data(), dk.data(), dv.data(), dO.data(),
                              nullptr, nullptr, nullptr, nullptr, out.data(),
                              p.x.data(), saved.data(), wsaved.data(), c.B, c.S,
                              c.D, c.heads, c.kvHeads, c.causal, c.rope);
    out.insert(out.end(), dx.begin(), dx.end());
    out.insert(out.end(), dq.begin(), dq.end());
    out.insert(out.end(), dk.begin(), dk.end());
    return out;
  };
  auto a = run(), b = run();
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

} // namespace
