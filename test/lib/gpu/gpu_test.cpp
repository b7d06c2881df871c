// check-gpu: every CUDA kernel against its host reference at small and
// GPT-2-small shapes, in f32 (max error within 1e-5 of the reference's max
// magnitude) and bf16 (within 2e-2).
#include "pipeops/ops.h"

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

using namespace pipeops;

namespace {

void ok(cudaError_t e) { ASSERT_EQ(e, cudaSuccess) << cudaGetErrorString(e); }

/// A device allocation freed on scope exit.
struct Dev {
  void *p = nullptr;
  explicit Dev(size_t bytes) { ok(cudaMalloc(&p, bytes ? bytes : 1)); }
  ~Dev() { cudaFree(p); }
  Dev(const Dev &) = delete;
  template <typename T = float> T *as() const { return static_cast<T *>(p); }
};

struct Case {
  DType dtype;
  bool large; // GPT-2 small: d 768, 8 x 1024 tokens
};

class GpuVsHost : public ::testing::TestWithParam<Case> {
protected:
  Context host, dev;
  std::mt19937 gen{1234};
  double tol = 1e-5;
  int64_t B = 2, S = 16, D = 64, H = 4, V = 100;

  void SetUp() override {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0)
      GTEST_SKIP() << "no GPU";
    host.threads = std::max(1u, std::thread::hardware_concurrency());
    host.dtype = dev.dtype = GetParam().dtype;
    dev.backend = Backend::Cuda;
    tol = GetParam().dtype == DType::BF16 ? 2e-2 : 1e-5;
    if (GetParam().large)
      B = 8, S = 1024, D = 768, H = 12, V = 50257;
  }
  /// Random values, representable in the storage type so both sides see the
  /// same inputs.
  std::vector<float> rnd(size_t n, float scale = 1.0f) {
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> v(n);
    for (auto &x : v)
      x = dist(gen);
    if (host.dtype == DType::BF16) {
      std::vector<uint16_t> bits(n);
      cast_f32_to_bf16(Context{}, bits.data(), v.data(), n);
      cast_bf16_to_f32(Context{}, v.data(), bits.data(), n);
    }
    return v;
  }
  std::vector<int32_t> ids(size_t n, int32_t below) {
    std::uniform_int_distribution<int32_t> dist(0, below - 1);
    std::vector<int32_t> v(n);
    for (auto &x : v)
      x = dist(gen);
    return v;
  }
  /// Uploads f32 values into the device storage type.
  std::unique_ptr<Dev> up(const std::vector<float> &h) {
    auto d = std::make_unique<Dev>(h.size() * 4);
    Dev tmp(h.size() * 4);
    ok(cudaMemcpy(tmp.p, h.data(), h.size() * 4, cudaMemcpyHostToDevice));
    to_storage(dev, d->p, tmp.as(), h.size());
    return d;
  }
  std::unique_ptr<Dev> upF32(const std::vector<float> &h) {
    auto d = std::make_unique<Dev>(h.size() * 4);
    ok(cudaMemcpy(d->p, h.data(), h.size() * 4, cudaMemcpyHostToDevice));
    return d;
  }
  std::unique_ptr<Dev> upI32(const std::vector<int32_t> &h) {
    auto d = std::make_unique<Dev>(h.size() * 4);
    ok(cudaMemcpy(d->p, h.data(), h.size() * 4, cudaMemcpyHostToDevice));
    return d;
  }
  std::vector<float> down(const Dev &d, size_t n) {
    Dev tmp(n * 4);
    from_storage(dev, tmp.as(), d.p, n);
    return downF32(tmp, n);
  }
  std::vector<float> downF32(const Dev &d, size_t n) {
    std::vector<float> h(n);
    ok(cudaDeviceSynchronize());
    ok(cudaMemcpy(h.data(), d.p, n * 4, cudaMemcpyDeviceToHost));
    return h;
  }
  void expectClose(const char *what, const std::vector<float> &ref,
                   const std::vector<float> &got, double tolerance = -1) {
    ASSERT_EQ(ref.size(), got.size()) << what;
    double t = tolerance > 0 ? tolerance : tol, scale = 1e-30, err = 0;
    size_t worst = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      scale = std::max(scale, double(std::fabs(ref[i])));
      double e = std::fabs(double(ref[i]) - got[i]);
      if (!(e <= err)) // also catches NaN
        err = e, worst = i;
    }
    EXPECT_LE(err, t * scale)
        << what << ": max error " << err << " at " << worst << " (ref "
        << ref[worst] << ", got " << got[worst] << "), max |ref| " << scale;
  }
};

TEST_P(GpuVsHost, Linear) {
  int64_t M = B * S, K = D, N = 4 * D;
  auto in = rnd(M * K), w = rnd(K * N, 0.05f), bias = rnd(N), dout = rnd(M * N);
  auto din0 = rnd(M * K), dw0 = rnd(K * N), db0 = rnd(N);
  std::vector<float> out(M * N), din = din0, dw = dw0, db = db0;
  linear_forward(host, out.data(), in.data(), w.data(), bias.data(), M, K, N);
  linear_backward_input(host, din.data(), dout.data(), w.data(), M, K, N);
  linear_backward_weight(host, dw.data(), db.data(), dout.data(), in.data(), M,
                         K, N);
  auto dIn = up(in), dW = up(w), dBias = up(bias), dOut = up(dout),
       dY = up(out);
  auto dDin = up(din0), dDw = upF32(dw0), dDb = upF32(db0);
  linear_forward(dev, dY->p, dIn->p, dW->p, dBias->p, M, K, N);
  linear_backward_input(dev, dDin->p, dOut->p, dW->p, M, K, N);
  linear_backward_weight(dev, dDw->as(), dDb->as(), dOut->p, dIn->p, M, K, N);
  expectClose("linear out", out, down(*dY, M * N));
  expectClose("linear din", din, down(*dDin, M * K));
  expectClose("linear dw", dw, downF32(*dDw, K * N));
  expectClose("linear dbias", db, downF32(*dDb, N));
}

TEST_P(GpuVsHost, Norms) {
  int64_t M = B * S;
  auto in = rnd(M * D), scale = rnd(D), shift = rnd(D), dout = rnd(M * D),
       din0 = rnd(M * D);
  for (bool rms : {false, true}) {
    std::vector<float> out(M * D), saved(2 * M), din = din0, ds(D, 0.0f),
                                                 db(D, 0.0f);
    auto dIn = up(in), dS = up(scale), dB = up(shift), dOut = up(dout),
         dY = up(out);
    auto dSaved = upF32(saved), dDin = up(din0), dDs = upF32(ds),
         dDb = upF32(db);
    if (rms) {
      rmsnorm_forward(host, out.data(), saved.data(), in.data(), scale.data(),
                      M, D, 1e-6f);
      rmsnorm_backward_input(host, din.data(), dout.data(), in.data(),
                             saved.data(), scale.data(), M, D);
      rmsnorm_backward_weight(host, ds.data(), dout.data(), in.data(),
                              saved.data(), M, D);
      rmsnorm_forward(dev, dY->p, dSaved->as(), dIn->p, dS->p, M, D, 1e-6f);
      rmsnorm_backward_input(dev, dDin->p, dOut->p, dIn->p, dSaved->as(), dS->p,
                             M, D);
      rmsnorm_backward_weight(dev, dDs->as(), dOut->p, dIn->p, dSaved->as(), M,
                              D);
    } else {
      layernorm_forward(host, out.data(), saved.data(), in.data(), scale.data(),
                        shift.data(), M, D, 1e-5f);
      layernorm_backward_input(host, din.data(), dout.data(), in.data(),
                               saved.data(), scale.data(), M, D);
      layernorm_backward_weight(host, ds.data(), db.data(), dout.data(),
                                in.data(), saved.data(), M, D);
      layernorm_forward(dev, dY->p, dSaved->as(), dIn->p, dS->p, dB->p, M, D,
                        1e-5f);
      layernorm_backward_input(dev, dDin->p, dOut->p, dIn->p, dSaved->as(),
                               dS->p, M, D);
      layernorm_backward_weight(dev, dDs->as(), dDb->as(), dOut->p, dIn->p,
                                dSaved->as(), M, D);
      expectClose("layernorm dshift", db, downF32(*dDb, D));
    }
    expectClose(rms ? "rmsnorm out" : "layernorm out", out, down(*dY, M * D));
    expectClose(rms ? "rmsnorm din" : "layernorm din", din, down(*dDin, M * D));
    expectClose(rms ? "rmsnorm dscale" : "layernorm dscale", ds,
                downF32(*dDs, D));
  }
}

TEST_P(GpuVsHost, Elementwise) {
  int64_t n = B * S * 4 * D;
  auto a = rnd(n, 2.0f), b = rnd(n), dout = rnd(n), g0 = rnd(n), h0 = rnd(n);
  using Fwd = void (*)(const Context &, void *, const void *, int64_t);
  using Bwd =
      void (*)(const Context &, void *, const void *, const void *, int64_t);
  struct Act {
    const char *name;
    Fwd f;
    Bwd b;
  };
  auto dA = up(a), dBb = up(b), dOut = up(dout);
  for (Act act : {Act{"gelu", gelu_forward, gelu_backward_input},
                  Act{"relu", relu_forward, relu_backward_input},
                  Act{"silu", silu_forward, silu_backward_input}}) {
    std::vector<float> y(n), g = g0;
    act.f(host, y.data(), a.data(), n);
    act.b(host, g.data(), dout.data(), a.data(), n);
    auto dY = up(y), dG = up(g0);
    act.f(dev, dY->p, dA->p, n);
    act.b(dev, dG->p, dOut->p, dA->p, n);
    expectClose(act.name, y, down(*dY, n));
    expectClose(act.name, g, down(*dG, n));
  }
  std::vector<float> sum(n), prod(n), ga = g0, gb = h0, ma = g0, mb = h0;
  add_forward(host, sum.data(), a.data(), b.data(), n);
  mul_forward(host, prod.data(), a.data(), b.data(), n);
  add_backward_input(host, ga.data(), gb.data(), dout.data(), n);
  mul_backward_input(host, ma.data(), mb.data(), dout.data(), a.data(),
                     b.data(), n);
  auto dSum = up(sum), dProd = up(prod), dGa = up(g0), dGb = up(h0),
       dMa = up(g0), dMb = up(h0);
  add_forward(dev, dSum->p, dA->p, dBb->p, n);
  mul_forward(dev, dProd->p, dA->p, dBb->p, n);
  add_backward_input(dev, dGa->p, dGb->p, dOut->p, n);
  mul_backward_input(dev, dMa->p, dMb->p, dOut->p, dA->p, dBb->p, n);
  expectClose("add", sum, down(*dSum, n));
  expectClose("mul", prod, down(*dProd, n));
  expectClose("add da", ga, down(*dGa, n));
  expectClose("add db", gb, down(*dGb, n));
  expectClose("mul da", ma, down(*dMa, n));
  expectClose("mul db", mb, down(*dMb, n));
  std::vector<float> sw(n), sa = g0, sb = h0;
  swiglu_forward(host, sw.data(), a.data(), b.data(), n);
  swiglu_backward_input(host, sa.data(), sb.data(), dout.data(), a.data(),
                        b.data(), n);
  auto dSw = up(sw), dSa = up(g0), dSb = up(h0);
  swiglu_forward(dev, dSw->p, dA->p, dBb->p, n);
  swiglu_backward_input(dev, dSa->p, dSb->p, dOut->p, dA->p, dBb->p, n);
  expectClose("swiglu", sw, down(*dSw, n));
  expectClose("swiglu da", sa, down(*dSa, n));
  expectClose("swiglu db", sb, down(*dSb, n));
}

TEST_P(GpuVsHost, Embedding) {
  int64_t M = B * S;
  auto tok = ids(M, static_cast<int32_t>(V));
  auto wte = rnd(V * D), wpe = rnd(S * D), dout = rnd(M * D);
  std::vector<float> out(M * D), dte(V * D, 0.0f), dpe(S * D, 0.0f);
  embedding_forward(host, out.data(), tok.data(), wte.data(), wpe.data(), M, S,
                    V, D);
  embedding_backward_weight(host, dte.data(), dpe.data(), dout.data(),
                            tok.data(), M, S, V, D);
  auto dIds = upI32(tok), dTe = up(wte), dPe = up(wpe), dOut = up(dout),
       dY = up(out);
  auto dDte = upF32(std::vector<float>(V * D, 0.0f)),
       dDpe = upF32(std::vector<float>(S * D, 0));
  embedding_forward(dev, dY->p, dIds->as<int32_t>(), dTe->p, dPe->p, M, S, V,
                    D);
  embedding_backward_weight(dev, dDte->as(), dDpe->as(), dOut->p,
                            dIds->as<int32_t>(), M, S, V, D);
  expectClose("embedding out", out, down(*dY, M * D));
  expectClose("embedding dwte", dte, downF32(*dDte, V * D));
  expectClose("embedding dwpe", dpe, downF32(*dDpe, S * D));
  tok[0] = static_cast<int32_t>(V);
  auto bad = upI32(tok);
  EXPECT_THROW(embedding_forward(dev, dY->p, bad->as<int32_t>(), dTe->p, dPe->p,
                                 M, S, V, D),
               std::runtime_error);
}

TEST_P(GpuVsHost, Attention) {
  std::vector<std::tuple<int64_t, int64_t, bool, bool>> cases = {
      {H, H, true, false}, {H, H / 2, false, true}, {H, 1, true, true}};
  // A head dimension of 1: odd, so without RoPE (a head is one element, not
  // a pair); small shapes only, as it has D heads.
  if (!GetParam().large)
    cases.push_back({D, D, true, false});
  for (auto [heads, kv, causal, rope] : cases) {
    int64_t M = B * S, Dkv = D / heads * kv;
    float ws = 1.0f / std::sqrt(float(D));
    auto x = rnd(M * D), wq = rnd(D * D, ws), wk = rnd(D * Dkv, ws),
         wv = rnd(D * Dkv, ws), wo = rnd(D * D, ws), dout = rnd(M * D),
         dx0 = rnd(M * D);
    // GPT-2's projection biases, in storage type like the weights.
    auto bq = rnd(D), bk = rnd(Dkv), bv = rnd(Dkv), bo = rnd(D);
    std::vector<float> dbq(D, 0), dbk(Dkv, 0), dbv(Dkv, 0), dbo(D, 0);
    std::vector<float> out(M * D),
        saved(attention_saved_floats(B, S, D, heads, kv));
    std::vector<float> wsaved(attention_wsaved_floats(B, S, D, heads, kv)),
        dx = dx0;
    std::vector<float> dq(D * D, 0), dk(D * Dkv, 0), dv(D * Dkv, 0),
        dO(D * D, 0);
    attention_forward(host, out.data(), saved.data(), x.data(), wq.data(),
                      wk.data(), wv.data(), wo.data(), bq.data(), bk.data(),
                      bv.data(), bo.data(), B, S, D, heads, kv, causal, rope);
    attention_backward_input(host, dx.data(), wsaved.data(), dout.data(),
                             x.data(), saved.data(), wq.data(), wk.data(),
                             wv.data(), wo.data(), B, S, D, heads, kv, causal,
                             rope);
    attention_backward_weight(host, dq.data(), dk.data(), dv.data(), dO.data(),
                              dbq.data(), dbk.data(), dbv.data(), dbo.data(),
                              dout.data(), x.data(), saved.data(),
                              wsaved.data(), B, S, D, heads, kv, causal, rope);
    auto dBq = up(bq), dBk = up(bk), dBv = up(bv), dBo = up(bo);
    auto dDbq = upF32(dbq), dDbk = upF32(dbk), dDbv = upF32(dbv),
         dDbo = upF32(dbo);
    auto dX = up(x), dWq = up(wq), dWk = up(wk), dWv = up(wv), dWo = up(wo),
         dOut = up(dout);
    auto dY = up(out), dSaved = upF32(saved), dWs = upF32(wsaved),
         dDx = up(dx0);
    auto dDq = upF32(std::vector<float>(D * D, 0)),
         dDk = upF32(std::vector<float>(D * Dkv, 0));
    auto dDv = upF32(std::vector<float>(D * Dkv, 0)),
         dDo = upF32(std::vector<float>(D * D, 0));
    attention_forward(dev, dY->p, dSaved->as(), dX->p, dWq->p, dWk->p, dWv->p,
                      dWo->p, dBq->p, dBk->p, dBv->p, dBo->p, B, S, D, heads,
                      kv, causal, rope);
    attention_backward_input(dev, dDx->p, dWs->as(), dOut->p, dX->p,
                             dSaved->as(), dWq->p, dWk->p, dWv->p, dWo->p, B, S,
                             D, heads, kv, causal, rope);
    attention_backward_weight(dev, dDq->as(), dDk->as(), dDv->as(), dDo->as(),
                              dDbq->as(), dDbk->as(), dDbv->as(), dDbo->as(),
                              dOut->p, dX->p, dSaved->as(), dWs->as(), B, S, D,
                              heads, kv, causal, rope);
    expectClose("attention out", out, down(*dY, M * D));
    expectClose("attention dx", dx, down(*dDx, M * D));
    expectClose("attention dwq", dq, downF32(*dDq, D * D));
    expectClose("attention dwk", dk, downF32(*dDk, D * Dkv));
    expectClose("attention dwv", dv, downF32(*dDv, D * Dkv));
    expectClose("attention dwo", dO, downF32(*dDo, D * D));
    expectClose("attention dbq", dbq, downF32(*dDbq, D));
    expectClose("attention dbk", dbk, downF32(*dDbk, Dkv));
    expectClose("attention dbv", dbv, downF32(*dDbv, Dkv));
    expectClose("attention dbo", dbo, downF32(*dDbo, D));
  }
}

TEST_P(GpuVsHost, Losses) {
  int64_t M = B * S;
  auto logits = rnd(M * V, 2.0f), g0 = rnd(M * V);
  auto tgt = ids(M, static_cast<int32_t>(V));
  std::vector<float> saved(M), g = g0;
  float loss = 0;
  cross_entropy_forward(host, &loss, saved.data(), logits.data(), tgt.data(), M,
                        V);
  cross_entropy_backward_input(host, g.data(), 0.5f, logits.data(), tgt.data(),
                               saved.data(), M, V);
  auto dL = up(logits), dT = upI32(tgt), dSaved = upF32(saved), dG = up(g0),
       dLoss = upF32({0});
  cross_entropy_forward(dev, dLoss->as(), dSaved->as(), dL->p,
                        dT->as<int32_t>(), M, V);
  cross_entropy_backward_input(dev, dG->p, 0.5f, dL->p, dT->as<int32_t>(),
                               dSaved->as(), M, V);
  expectClose("cross_entropy loss", {loss}, downF32(*dLoss, 1));
  expectClose("cross_entropy dlogits", g, down(*dG, M * V));

  int64_t n = M * D;
  auto pred = rnd(n), target = rnd(n), p0 = rnd(n);
  std::vector<float> dp = p0;
  mse_forward(host, &loss, pred.data(), target.data(), n);
  mse_backward_input(host, dp.data(), 0.5f, pred.data(), target.data(), n);
  auto dP = up(pred), dTg = up(target), dDp = up(p0);
  mse_forward(dev, dLoss->as(), dP->p, dTg->p, n);
  mse_backward_input(dev, dDp->p, 0.5f, dP->p, dTg->p, n);
  expectClose("mse loss", {loss}, downF32(*dLoss, 1));
  expectClose("mse dpred", dp, down(*dDp, n));
}

TEST_P(GpuVsHost, Optimizers) {
  const int count = 30; // more than one multi-tensor launch
  std::vector<std::vector<float>> p, g, m, v;
  std::vector<std::unique_ptr<Dev>> dp, dg, dm, dv;
  std::vector<int64_t> sizes;
  for (int t = 0; t < count; ++t) {
    int64_t n = 1 + t * (GetParam().large ? 40000 : 37);
    sizes.push_back(n);
    p.push_back(rnd(n)), g.push_back(rnd(n)),
        m.push_back(std::vector<float>(n, 0.0f));
    v.push_back(std::vector<float>(n, 0.0f));
    dp.push_back(upF32(p.back())), dg.push_back(upF32(g.back())),
        dm.push_back(upF32(m.back()));
    dv.push_back(upF32(v.back()));
  }
  auto ptrs = [](auto &vs) {
    std::vector<float *> r;
    for (auto &x : vs)
      r.push_back(x.data());
    return r;
  };
  auto dptrs = [](auto &vs) {
    std::vector<float *> r;
    for (auto &x : vs)
      r.push_back(x->template as<float>());
    return r;
  };
  auto hp = ptrs(p), hg = ptrs(g), hm = ptrs(m), hv = ptrs(v);
  auto Dp = dptrs(dp), Dg = dptrs(dg), Dm = dptrs(dm), Dv = dptrs(dv);
  std::vector<const float *> hgc(hg.begin(), hg.end()),
      Dgc(Dg.begin(), Dg.end());
  AdamW opt{1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f};
  for (int step = 1; step <= 2; ++step) {
    adamw_step(host, opt, step, hp.data(), hgc.data(), hm.data(), hv.data(),
               sizes.data(), count);
    adamw_step(dev, opt, step, Dp.data(), Dgc.data(), Dm.data(), Dv.data(),
               sizes.data(), count);
  }
  sgd_step(host, 0.1f, 0.9f, hp.data(), hgc.data(), hm.data(), sizes.data(),
           count);
  sgd_step(dev, 0.1f, 0.9f, Dp.data(), Dgc.data(), Dm.data(), sizes.data(),
           count);
  for (int t = 0; t < count; ++t) {
    expectClose("optimizer params", p[t], downF32(*dp[t], sizes[t]), 1e-5);
    expectClose("optimizer m", m[t], downF32(*dm[t], sizes[t]), 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GpuVsHost,
    ::testing::Values(Case{DType::F32, false}, Case{DType::BF16, false},
                      Case{DType::F32, true}, Case{DType::BF16, true}),
    [](const ::testing::TestParamInfo<Case> &info) {
      return std::string(info.param.dtype == DType::BF16 ? "BF16" : "F32") +
             (info.param.large ? "Gpt2Small" : "Small");
    });

} // namespace
