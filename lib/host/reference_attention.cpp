// The reference attention of reference.h: the host kernel before the fused
// one, materialising S x S probabilities, single-threaded plain loops (f32).
#include "attention_shape.h"
#include "pipeops/checks.h"
#include "pipeops/reference.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace pipeops::reference {

namespace {
using Shape = host::AttentionShape;
constexpr auto rotate = host::rotateRoPE;
template <typename Body> void serialRows(int64_t rows, Body body) {
  body(int64_t(0), rows);
}
} // namespace

void attention_forward(float *out, float *saved, const float *x,
                       const float *wq, const float *wk, const float *wv,
                       const float *wo, int64_t B, int64_t S, int64_t D,
                       int64_t heads, int64_t kv_heads, bool causal,
                       bool rope) {
  Shape sh("attention_forward", B, S, D, heads, kv_heads, rope);
  int64_t M = B * S, hd = sh.hd;
  std::vector<float> q(M * D), k(M * sh.Dkv), v(M * sh.Dkv);
  matmul(q.data(), x, wq, nullptr, M, D, D, false);
  matmul(k.data(), x, wk, nullptr, M, D, sh.Dkv, false);
  matmul(v.data(), x, wv, nullptr, M, D, sh.Dkv, false);
  float *qs = saved, *ks = saved + M * D, *vs = saved + 2 * M * D,
        *probs = saved + 3 * M * D;
  float *y = probs + B * heads * S * S;
  // Per-head layout, k and v repeated for every query head of a group, RoPE
  // applied.
  serialRows(M, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t b = r / S, s = r % S;
      for (int64_t h = 0; h < heads; ++h) {
        int64_t kvh = h / sh.group;
        for (int64_t e = 0; e < hd; ++e) {
          qs[sh.at(b, h, s) + e] = q[r * D + h * hd + e];
          ks[sh.at(b, h, s) + e] = k[r * sh.Dkv + kvh * hd + e];
          vs[sh.at(b, h, s) + e] = v[r * sh.Dkv + kvh * hd + e];
        }
        if (rope) {
          rotate(qs + sh.at(b, h, s), hd, s, 1.0);
          rotate(ks + sh.at(b, h, s), hd, s, 1.0);
        }
      }
    }
  });
  serialRows(B * heads, [&](int64_t p0, int64_t p1) {
    for (int64_t bh = p0; bh < p1; ++bh) {
      int64_t b = bh / heads, h = bh % heads;
      for (int64_t i = 0; i < S; ++i) {
        float *p = probs + (bh * S + i) * S;
        int64_t last = causal ? i : S - 1;
        float mx = -INFINITY;
        for (int64_t j = 0; j < S; ++j) {
          float dot = 0.0f;
          if (j <= last)
            for (int64_t e = 0; e < hd; ++e)
              dot += qs[sh.at(b, h, i) + e] * ks[sh.at(b, h, j) + e];
          p[j] = dot * sh.scale;
          if (j <= last)
            mx = std::max(mx, p[j]);
        }
        float sum = 0.0f;
        for (int64_t j = 0; j < S; ++j) {
          p[j] = j <= last ? std::exp(p[j] - mx) : 0.0f;
          sum += p[j];
        }
        float *yi = y + (b * S + i) * D + h * hd;
        for (int64_t e = 0; e < hd; ++e)
          yi[e] = 0.0f;
        for (int64_t j = 0; j <= last; ++j) {
          p[j] /= sum;
          for (int64_t e = 0; e < hd; ++e)
            yi[e] += p[j] * vs[sh.at(b, h, j) + e];
        }
      }
    }
  });
  matmul(out, y, wo, nullptr, M, D, D, false);
}

void attention_backward_input(float *dx, float *wsaved, const float *dout,
                              const float * /*x*/, const float *saved,
                              const float *wq, const float *wk, const float *wv,
                              const float *wo, int64_t B, int64_t S, int64_t D,
                              int64_t heads, int64_t kv_heads, bool causal,
                              bool rope) {
  Shape sh("attention_backward_input", B, S, D, heads, kv_heads, rope);
  int64_t M = B * S, hd = sh.hd;
  const float *qs = saved, *ks = saved + M * D, *vs = saved + 2 * M * D;
  const float *probs = saved + 3 * M * D;
  std::vector<float> dy(M * D, 0.0f), dq(M * D, 0.0f), dk(M * D, 0.0f),
      dv(M * D, 0.0f);
  matmulBT(dy.data(), dout, wo, M, D, D);
  serialRows(B * heads, [&](int64_t p0, int64_t p1) {
    std::vector<float> dp(S);
    for (int64_t bh = p0; bh < p1; ++bh) {
      int64_t b = bh / heads, h = bh % heads;
      for (int64_t i = 0; i < S; ++i) {
        const float *p = probs + (bh * S + i) * S;
        const float *dyi = dy.data() + (b * S + i) * D + h * hd;
        int64_t last = causal ? i : S - 1;
        float rowDot = 0.0f;
        for (int64_t j = 0; j <= last; ++j) {
          dp[j] = 0.0f;
          for (int64_t e = 0; e < hd; ++e)
            dp[j] += dyi[e] * vs[sh.at(b, h, j) + e];
          rowDot += p[j] * dp[j];
        }
        for (int64_t j = 0; j <= last; ++j) {
          float ds = p[j] * (dp[j] - rowDot) * sh.scale;
          for (int64_t e = 0; e < hd; ++e) {
            dq[sh.at(b, h, i) + e] += ds * ks[sh.at(b, h, j) + e];
            dk[sh.at(b, h, j) + e] += ds * qs[sh.at(b, h, i) + e];
            dv[sh.at(b, h, j) + e] += p[j] * dyi[e];
          }
        }
      }
    }
  });
  // Back to token-major projection gradients: undo RoPE, sum each kv group in
  // head order.
  float *gq = wsaved, *gk = wsaved + M * D, *gv = gk + M * sh.Dkv;
  serialRows(M, [&](int64_t r0, int64_t r1) {
    std::vector<float> acc(hd);
    for (int64_t r = r0; r < r1; ++r) {
      int64_t b = r / S, s = r % S;
      for (int64_t h = 0; h < heads; ++h) {
        std::copy_n(dq.data() + sh.at(b, h, s), hd, gq + r * D + h * hd);
        if (rope)
          rotate(gq + r * D + h * hd, hd, s, -1.0);
      }
      for (int64_t kvh = 0; kvh < kv_heads; ++kvh) {
        float *gkr = gk + r * sh.Dkv + kvh * hd,
              *gvr = gv + r * sh.Dkv + kvh * hd;
        std::fill(gkr, gkr + hd, 0.0f);
        std::fill(gvr, gvr + hd, 0.0f);
        for (int64_t h = kvh * sh.group; h < (kvh + 1) * sh.group; ++h)
          for (int64_t e = 0; e < hd; ++e) {
            gkr[e] += dk[sh.at(b, h, s) + e];
            gvr[e] += dv[sh.at(b, h, s) + e];
          }
        if (rope)
          rotate(gkr, hd, s, -1.0);
      }
    }
  });
  matmulBT(dx, gq, wq, M, D, D);
  matmulBT(dx, gk, wk, M, D, sh.Dkv);
  matmulBT(dx, gv, wv, M, D, sh.Dkv);
}

void attention_backward_weight(float *dwq, float *dwk, float *dwv, float *dwo,
                               const float *dout, const float *x,
                               const float *saved, const float *wsaved,
                               int64_t B, int64_t S, int64_t D, int64_t heads,
                               int64_t kv_heads, bool /*causal*/, bool rope) {
  Shape sh("attention_backward_weight", B, S, D, heads, kv_heads, rope);
  int64_t M = B * S;
  const float *y = saved + 3 * M * D + B * heads * S * S;
  const float *gq = wsaved, *gk = wsaved + M * D, *gv = gk + M * sh.Dkv;
  matmulAT(dwq, x, gq, M, D, D);
  matmulAT(dwk, x, gk, M, D, sh.Dkv);
  matmulAT(dwv, x, gv, M, D, sh.Dkv);
  matmulAT(dwo, y, dout, M, D, D);
}

} // namespace pipeops::reference
