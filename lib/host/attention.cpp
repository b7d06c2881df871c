// Host multi-head self-attention (causal, grouped-query, RoPE) without S x S
// storage: a fused online-softmax (flash-style) forward over key tiles that
// saves each row's logsumexp, and a backward that recomputes the
// probabilities tile by tile from it. Layouts of saved/wsaved are in ops.h.
#include "common.h"
#include "attention_shape.h"
#include "pool.h"
#include "vecmath.h"

#include "pipeops/checks.h"

#include <cmath>
#include <vector>

namespace pipeops::host {

namespace {
constexpr int64_t kTileQ = 32, kTileK = 64;

using Shape = host::AttentionShape;
constexpr auto rotate = host::rotateRoPE;

/// dst[e * kTileK + j] = src[(j0 + j) * hd + e]: a key (or value) tile with
/// the keys contiguous, so score rows vectorise over keys.
inline void transposeTile(float *__restrict dst, const float *__restrict src,
                          int64_t j0, int64_t nk, int64_t hd) {
  for (int64_t j = 0; j < nk; ++j)
    for (int64_t e = 0; e < hd; ++e)
      dst[e * kTileK + j] = src[(j0 + j) * hd + e];
}

/// out[j] = scale * sum_e row[e] * tile[e * kTileK + j] for j < n.
inline void rowTimesTile(float *__restrict out, const float *__restrict row,
                         const float *__restrict tile, int64_t n, int64_t hd,
                         float scale) {
  for (int64_t j = 0; j < n; ++j)
    out[j] = 0.0f;
  for (int64_t e = 0; e < hd; ++e) {
    float r = row[e] * scale;
    const float *t = tile + e * kTileK;
    for (int64_t j = 0; j < n; ++j)
      out[j] += r * t[j];
  }
}

/// acc[e] += sum_j w[j] * rows[(j0 + j) * hd + e] for j < n.
inline void addWeightedRows(float *__restrict acc, const float *__restrict w,
                            const float *__restrict rows, int64_t j0, int64_t n,
                            int64_t hd) {
  for (int64_t j = 0; j < n; ++j) {
    float wj = w[j];
    const float *r = rows + (j0 + j) * hd;
    for (int64_t e = 0; e < hd; ++e)
      acc[e] += wj * r[e];
  }
}

/// Keys a query row i sees in the tile [j0, j0 + nk).
inline int64_t visible(bool causal, int64_t i, int64_t j0, int64_t nk) {
  return causal ? std::min(nk, i + 1 - j0) : nk;
}

/// Forward of query rows [i0, i1) of one head: y rows (stride ldy) and lse.
/// work: kTileK * (hd + 1) + kTileQ * (hd + 2) floats.
PIPEOPS_VECTOR_CLONES
void forwardTile(float *y, int64_t ldy, float *lse, const float *q,
                 const float *k, const float *v, int64_t S, int64_t hd,
                 int64_t i0, int64_t i1, bool causal, float scale,
                 float *work) {
  int64_t nq = i1 - i0;
  float *kt = work, *p = kt + kTileK * hd, *acc = p + kTileK,
        *mx = acc + kTileQ * hd, *sum = mx + kTileQ;
  for (int64_t r = 0; r < nq * hd; ++r)
    acc[r] = 0.0f;
  for (int64_t r = 0; r < nq; ++r)
    mx[r] = -INFINITY, sum[r] = 0.0f;
  int64_t kEnd = causal ? i1 : S;
  for (int64_t j0 = 0; j0 < kEnd; j0 += kTileK) {
    int64_t nk = std::min(kTileK, kEnd - j0);
    transposeTile(kt, k, j0, nk, hd);
    for (int64_t r = 0; r < nq; ++r) {
      int64_t i = i0 + r, n = visible(causal, i, j0, nk);
      if (n <= 0)
        continue;
      rowTimesTile(p, q + i * hd, kt, n, hd, scale);
      float m = mx[r];
      for (int64_t j = 0; j < n; ++j)
        m = std::max(m, p[j]);
      // Online softmax: rescale what earlier tiles summed to the new max.
      float corr = vexp(mx[r] - m), s = 0.0f;
      for (int64_t j = 0; j < n; ++j)
        p[j] = vexp(p[j] - m);
      for (int64_t j = 0; j < n; ++j)
        s += p[j];
      sum[r] = sum[r] * corr + s;
      mx[r] = m;
      float *a = acc + r * hd;
      for (int64_t e = 0; e < hd; ++e)
        a[e] *= corr;
      addWeightedRows(a, p, v, j0, n, hd);
    }
  }
  for (int64_t r = 0; r < nq; ++r) {
    float inv = 1.0f / sum[r];
    for (int64_t e = 0; e < hd; ++e)
      y[(i0 + r) * ldy + e] = acc[r * hd + e] * inv;
    lse[i0 + r] = mx[r] + std::log(sum[r]);
  }
}

/// Backward of one head: with P = exp(scale q k^T - lse) recomputed per tile,
/// dv += P^T dy, dS = P (dy v^T - rowsum(dy y)) scale, dq += dS k,
/// dk += dS^T q. dy and y rows have stride ld; q, k, v, dq, dk, dv are
/// [S, hd]. work: 2 * kTileK * (hd + 1) + S floats.
PIPEOPS_VECTOR_CLONES
void backwardHead(float *dq, float *dk, float *dv, const float *dy,
                  const float *y, int64_t ld, const float *lse, const float *q,
                  const float *k, const float *v, int64_t S, int64_t hd,
                  bool causal, float scale, float *work) {
  float *kt = work, *vt = kt + kTileK * hd, *p = vt + kTileK * hd,
        *ds = p + kTileK, *rowDot = ds + kTileK;
  for (int64_t i = 0; i < S; ++i) {
    float d = 0.0f;
    for (int64_t e = 0; e < hd; ++e)
      d += dy[i * ld + e] * y[i * ld + e];
    rowDot[i] = d;
  }
  for (int64_t j0 = 0; j0 < S; j0 += kTileK) {
    int64_t nk = std::min(kTileK, S - j0);
    transposeTile(kt, k, j0, nk, hd);
    transposeTile(vt, v, j0, nk, hd);
    for (int64_t i = causal ? j0 : 0; i < S; ++i) {
      int64_t n = visible(causal, i, j0, nk);
      const float *qi = q + i * hd, *dyi = dy + i * ld;
      rowTimesTile(p, qi, kt, n, hd, scale);
      for (int64_t j = 0; j < n; ++j)
        p[j] = vexp(p[j] - lse[i]);
      rowTimesTile(ds, dyi, vt, n, hd, 1.0f);
      for (int64_t j = 0; j < n; ++j)
        ds[j] = p[j] * (ds[j] - rowDot[i]) * scale;
      addWeightedRows(dq + i * hd, ds, k, j0, n, hd);
      for (int64_t j = 0; j < n; ++j) {
        float *dkj = dk + (j0 + j) * hd, *dvj = dv + (j0 + j) * hd;
        float dsj = ds[j], pj = p[j];
        for (int64_t e = 0; e < hd; ++e) {
          dkj[e] += dsj * qi[e];
          dvj[e] += pj * dyi[e];
        }
      }
    }
  }
}

thread_local std::vector<float> tileWork;
float *scratch(size_t n) {
  if (tileWork.size() < n)
    tileWork.resize(n);
  return tileWork.data();
}

// The op-level buffers (projections, their gradients) of the calling rank
// thread, kept between calls: fresh vectors of several MB each were mmapped,
// page-faulted and zeroed on one thread every call, and munmap's TLB
// shootdowns stalled the other ranks' threads.
thread_local std::vector<float> opWork;
float *opScratch(size_t n) {
  if (opWork.size() < n)
    opWork.resize(n);
  return opWork.data();
}
} // namespace

void attention_forward(const Context &ctx, void *out, float *saved,
                       const void *x, const void *wq, const void *wk,
                       const void *wv, const void *wo, const void *bq,
                       const void *bk, const void *bv, const void *bo,
                       int64_t B, int64_t S, int64_t D, int64_t heads,
                       int64_t kv_heads, bool causal, bool rope) {
  Shape sh("attention_forward", B, S, D, heads, kv_heads, rope);
  int64_t M = B * S, hd = sh.hd;
  // Written whole by the (non-accumulating) projections.
  float *q = opScratch(M * D + 2 * M * sh.Dkv), *k = q + M * D,
        *v = k + M * sh.Dkv;
  matmul(ctx, q, f32(x), f32(wq), f32(bq), M, D, D, false);
  matmul(ctx, k, f32(x), f32(wk), f32(bk), M, D, sh.Dkv, false);
  matmul(ctx, v, f32(x), f32(wv), f32(bv), M, D, sh.Dkv, false);
  float *qs = saved, *ks = saved + M * D, *vs = saved + 2 * M * D,
        *y = saved + 3 * M * D, *lse = saved + 4 * M * D;
  // Per-head layout, k and v repeated for every query head of a group, RoPE
  // applied.
  parallelRows(ctx, M, 3 * D * (rope ? 8 : 1), [&](int64_t r0, int64_t r1) {
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
  // One chunk per (batch, head, query tile): independent, so any split gives
  // the same values.
  int64_t tiles = (S + kTileQ - 1) / kTileQ;
  runChunks(ctx.threads, B * heads * tiles, [&](int64_t c) {
    int64_t bh = c / tiles, t = c % tiles, b = bh / heads, h = bh % heads;
    int64_t i0 = t * kTileQ, i1 = std::min(S, i0 + kTileQ);
    float *work = scratch(kTileK * (hd + 1) + kTileQ * (hd + 2));
    forwardTile(y + b * S * D + h * hd, D, lse + bh * S, qs + sh.at(b, h, 0),
                ks + sh.at(b, h, 0), vs + sh.at(b, h, 0), S, hd, i0, i1, causal,
                sh.scale, work);
  });
  matmul(ctx, f32(out), y, f32(wo), f32(bo), M, D, D, false);
  roundStored(ctx, f32(out), M * D);
}

void attention_backward_input(const Context &ctx, void *dx, float *wsaved,
                              const void *dout, const void * /*x*/,
                              const float *saved, const void *wq,
                              const void *wk, const void *wv, const void *wo,
                              int64_t B, int64_t S, int64_t D, int64_t heads,
                              int64_t kv_heads, bool causal, bool rope) {
  Shape sh("attention_backward_input", B, S, D, heads, kv_heads, rope);
  int64_t M = B * S, hd = sh.hd;
  const float *qs = saved, *ks = saved + M * D, *vs = saved + 2 * M * D,
              *y = saved + 3 * M * D, *lse = saved + 4 * M * D;
  float *dy = opScratch(4 * M * D), *dq = dy + M * D, *dk = dq + M * D,
        *dv = dk + M * D;
  std::fill(dy, dy + M * D, 0.0f);
  matmulBT(ctx, dy, f32(dout), f32(wo), M, D, D);
  // One chunk per (batch, head): its dq, dk, dv rows are its own, zeroed by it.
  runChunks(ctx.threads, B * heads, [&](int64_t bh) {
    int64_t b = bh / heads, h = bh % heads, o = sh.at(b, h, 0);
    float *work = scratch(2 * kTileK * (hd + 1) + S);
    for (float *g : {dq, dk, dv})
      std::fill(g + o, g + o + S * hd, 0.0f);
    backwardHead(dq + o, dk + o, dv + o, dy + b * S * D + h * hd,
                 y + b * S * D + h * hd, D, lse + bh * S, qs + o, ks + o,
                 vs + o, S, hd, causal, sh.scale, work);
  });
  // Back to token-major projection gradients: undo RoPE, sum each kv group in
  // head order.
  float *gq = wsaved, *gk = wsaved + M * D, *gv = gk + M * sh.Dkv;
  parallelRows(ctx, M, 3 * D * (rope ? 8 : 1), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t b = r / S, s = r % S;
      for (int64_t h = 0; h < heads; ++h) {
        std::copy_n(dq + sh.at(b, h, s), hd, gq + r * D + h * hd);
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
  matmulBT(ctx, f32(dx), gq, f32(wq), M, D, D);
  matmulBT(ctx, f32(dx), gk, f32(wk), M, D, sh.Dkv);
  matmulBT(ctx, f32(dx), gv, f32(wv), M, D, sh.Dkv);
  roundStored(ctx, f32(dx), M * D);
}

/// out[j] += sum over rows of x[i, j], rows in order per column block (the
/// same sums for any thread count).
static void addColumnSums(const Context &ctx, float *out, const float *x,
                          int64_t M, int64_t N) {
  parallelRows(ctx, N, M, [&](int64_t j0, int64_t j1) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = j0; j < j1; ++j)
        out[j] += x[i * N + j];
  });
}

void attention_backward_weight(const Context &ctx, float *dwq, float *dwk,
                               float *dwv, float *dwo, float *dbq, float *dbk,
                               float *dbv, float *dbo, const void *dout,
                               const void *x, const float *saved,
                               const float *wsaved, int64_t B, int64_t S,
                               int64_t D, int64_t heads, int64_t kv_heads,
                               bool /*causal*/, bool rope) {
  Shape sh("attention_backward_weight", B, S, D, heads, kv_heads, rope);
  int64_t M = B * S;
  const float *y = saved + 3 * M * D;
  const float *gq = wsaved, *gk = wsaved + M * D, *gv = gk + M * sh.Dkv;
  matmulAT(ctx, dwq, f32(x), gq, M, D, D);
  matmulAT(ctx, dwk, f32(x), gk, M, D, sh.Dkv);
  matmulAT(ctx, dwv, f32(x), gv, M, D, sh.Dkv);
  matmulAT(ctx, dwo, y, f32(dout), M, D, D);
  if (!dbq) // biases come all together (GPT-2) or not at all
    return;
  addColumnSums(ctx, dbq, gq, M, D);
  addColumnSums(ctx, dbk, gk, M, sh.Dkv);
  addColumnSums(ctx, dbv, gv, M, sh.Dkv);
  addColumnSums(ctx, dbo, f32(dout), M, D);
}

} // namespace pipeops::host
