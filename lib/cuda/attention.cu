// CUDA attention: projections and per-head products as (batched) cuBLASLt
// GEMMs, RoPE and the head (un)permutes as small kernels, a warp-per-row masked
// softmax and its backward. Saved/wsaved layouts match the host kernels (see
// ops.h): the S x S probabilities live in stream-ordered scratch only; forward
// saves each row's logsumexp and backward recomputes them from it.
#include "common.cuh"

#include "pipeops/checks.h"

#include <memory>

namespace pipeops::cuda {

namespace {
struct Shape {
  int64_t B, S, D, H, KVH, hd, Dkv, group, M;
  float scale;
  Shape(const char *op, int64_t B, int64_t S, int64_t D, int64_t H, int64_t KVH,
        bool rope)
      : B(B), S(S), D(D), H(H), KVH(KVH),
        hd(checkAttentionShape(op, D, H, KVH, rope)), Dkv(hd * KVH),
        group(H / KVH), M(B * S), scale(1.0f / sqrtf(static_cast<float>(hd))) {}
};

/// Rotation of pair i at position s; angles in double to agree with the host at
/// long positions.
__device__ void ropeAngle(int64_t s, int64_t i, int64_t hd, double sign,
                          float &c, float &sn) {
  double theta = sign * double(s) * pow(10000.0, -2.0 * double(i) / double(hd));
  double cd, sd;
  sincos(theta, &sd, &cd);
  c = float(cd), sn = float(sd);
}

/// dst[B,H,S,hd] <- src[B*S, (H/group)*hd] (head h reads source head h/group),
/// RoPE optional. A thread moves a pair of elements; with an odd hd (no RoPE)
/// the last pair of each head is a single element.
__global__ void scatterHeads(float *dst, const float *src, int64_t B, int64_t S,
                             int64_t H, int64_t hd, int64_t group, bool rope) {
  int64_t half = (hd + 1) / 2, total = B * H * S * half,
          srcCols = H / group * hd;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total;
       k += int64_t(gridDim.x) * blockDim.x) {
    int64_t i = k % half, s = (k / half) % S, h = (k / (half * S)) % H,
            b = k / (half * S * H);
    bool pair = 2 * i + 1 < hd;
    const float *x = src + (b * S + s) * srcCols + (h / group) * hd + 2 * i;
    float a = x[0], c2 = pair ? x[1] : 0.0f;
    if (rope) { // hd is even under RoPE: always a pair
      float c, sn;
      ropeAngle(s, i, hd, 1.0, c, sn);
      float na = a * c - c2 * sn, nb = a * sn + c2 * c;
      a = na, c2 = nb;
    }
    float *y = dst + ((b * H + h) * S + s) * hd + 2 * i;
    y[0] = a;
    if (pair)
      y[1] = c2;
  }
}

/// dst[B*S, (H/group)*hd] <- sum over each group's heads of src[B,H,S,hd],
/// inverse RoPE optional; pairs as in scatterHeads.
__global__ void gatherHeads(float *dst, const float *src, int64_t B, int64_t S,
                            int64_t H, int64_t hd, int64_t group, bool rope) {
  int64_t half = (hd + 1) / 2, outHeads = H / group,
          total = B * outHeads * S * half;
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total;
       k += int64_t(gridDim.x) * blockDim.x) {
    int64_t i = k % half, s = (k / half) % S, oh = (k / (half * S)) % outHeads,
            b = k / (half * S * outHeads);
    bool pair = 2 * i + 1 < hd;
    float a = 0.0f, c2 = 0.0f;
    for (int64_t h = oh * group; h < (oh + 1) * group; ++h) {
      const float *x = src + ((b * H + h) * S + s) * hd + 2 * i;
      a += x[0];
      if (pair)
        c2 += x[1];
    }
    if (rope) {
      float c, sn;
      ropeAngle(s, i, hd, -1.0, c, sn);
      float na = a * c - c2 * sn, nb = a * sn + c2 * c;
      a = na, c2 = nb;
    }
    float *y = dst + (b * S + s) * outHeads * hd + oh * hd + 2 * i;
    y[0] = a;
    if (pair)
      y[1] = c2;
  }
}

/// dst[i] += src[i] in bf16 storage, rounding once.
__global__ void addRounded(__nv_bfloat16 *dst, const float *src, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    store(dst, i, load(dst, i) + src[i]);
}

constexpr int kRowsPerBlock = kThreads / 32;

/// In-place softmax of each score row (scaled already); masked entries become
/// 0; lse[row] = the row's logsumexp.
__global__ void maskedSoftmax(float *p, float *lse, int64_t rows, int64_t S,
                              bool causal) {
  int64_t r = blockIdx.x * int64_t(kRowsPerBlock) + threadIdx.x / 32;
  if (r >= rows)
    return;
  int lane = threadIdx.x % 32;
  int64_t i = r % S, last = causal ? i : S - 1;
  float *row = p + r * S;
  float mx = -INFINITY;
  for (int64_t j = lane; j <= last; j += 32)
    mx = fmaxf(mx, row[j]);
  mx = warpMax(mx);
  float sum = 0.0f;
  for (int64_t j = lane; j <= last; j += 32)
    sum += expf(row[j] - mx);
  sum = warpSum(sum);
  for (int64_t j = lane; j < S; j += 32)
    row[j] = j <= last ? expf(row[j] - mx) / sum : 0.0f;
  if (lane == 0)
    lse[r] = mx + logf(sum);
}

/// Recomputes probabilities in place from scaled scores and the saved
/// logsumexp: p = exp(s - lse), 0 where masked.
__global__ void probsFromLse(float *p, const float *lse, int64_t rows,
                             int64_t S, bool causal) {
  int64_t r = blockIdx.x * int64_t(kRowsPerBlock) + threadIdx.x / 32;
  if (r >= rows)
    return;
  int lane = threadIdx.x % 32;
  int64_t i = r % S, last = causal ? i : S - 1;
  float *row = p + r * S;
  float l = lse[r];
  for (int64_t j = lane; j < S; j += 32)
    row[j] = j <= last ? expf(row[j] - l) : 0.0f;
}

/// dP -> dS = P * (dP - sum_j P dP) * scale, in place.
__global__ void softmaxBackward(float *dp, const float *p, int64_t rows,
                                int64_t S, float scale) {
  int64_t r = blockIdx.x * int64_t(kRowsPerBlock) + threadIdx.x / 32;
  if (r >= rows)
    return;
  int lane = threadIdx.x % 32;
  float *g = dp + r * S;
  const float *pr = p + r * S;
  float dot = 0.0f;
  for (int64_t j = lane; j < S; j += 32)
    dot += pr[j] * g[j];
  dot = warpSum(dot);
  for (int64_t j = lane; j < S; j += 32)
    g[j] = pr[j] * (g[j] - dot) * scale;
}

Gemm mm(bool tA, bool tB, int64_t M, int64_t N, int64_t K, const void *A,
        int64_t lda, const void *B, int64_t ldb, void *C, int64_t ldc,
        cudaDataType ab, cudaDataType c, float beta = 0.0f) {
  Gemm g;
  g.transA = tA, g.transB = tB, g.M = M, g.N = N, g.K = K;
  g.A = A, g.lda = lda, g.B = B, g.ldb = ldb, g.C = C, g.ldc = ldc;
  g.abType = ab, g.cType = c, g.beta = beta;
  return g;
}
/// The same GEMM over the B*H heads of [B,H,S,*] tensors.
Gemm perHead(Gemm g, int64_t batch, int64_t sA, int64_t sB, int64_t sC,
             float alpha = 1.0f) {
  g.batch = static_cast<int>(batch), g.strideA = sA, g.strideB = sB,
  g.strideC = sC;
  g.alpha = alpha;
  return g;
}

void launchScatter(const Context &ctx, float *dst, const float *src,
                   const Shape &sh, int64_t group, bool rope, const char *op) {
  scatterHeads<<<gridFor(sh.M * sh.H * ((sh.hd + 1) / 2)), kThreads, 0,
                 streamOf(ctx)>>>(dst, src, sh.B, sh.S, sh.H, sh.hd, group,
                                  rope);
  PIPEOPS_CHECK_LAUNCH(op);
}
void launchGather(const Context &ctx, float *dst, const float *src,
                  const Shape &sh, int64_t group, bool rope, const char *op) {
  gatherHeads<<<gridFor(sh.M * sh.H / group * ((sh.hd + 1) / 2)), kThreads, 0,
                streamOf(ctx)>>>(dst, src, sh.B, sh.S, sh.H, sh.hd, group,
                                 rope);
  PIPEOPS_CHECK_LAUNCH(op);
}

/// rows[i, j] += bias[j] for f32 rows and a bias in storage type.
template <typename T>
__global__ void addRowBiasKernel(float *rows, const T *bias, int64_t M,
                                 int64_t N) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < M * N;
       i += int64_t(gridDim.x) * blockDim.x)
    rows[i] += load(bias, i % N);
}

void addRowBias(const Context &ctx, float *rows, const void *bias, int64_t M,
                int64_t N, const char *op) {
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    addRowBiasKernel<<<gridFor(M * N), kThreads, 0, streamOf(ctx)>>>(
        rows, static_cast<const T *>(bias), M, N);
  });
  PIPEOPS_CHECK_LAUNCH(op);
}
} // namespace

void attention_forward(const Context &ctx, void *out, float *saved,
                       const void *x, const void *wq, const void *wk,
                       const void *wv, const void *wo, const void *bq,
                       const void *bk, const void *bv, const void *bo,
                       int64_t B, int64_t S, int64_t D, int64_t heads,
                       int64_t kv_heads, bool causal, bool rope) {
  const char *op = "attention_forward";
  Shape sh(op, B, S, D, heads, kv_heads, rope);
  if (sh.M == 0)
    return;
  int64_t M = sh.M, hd = sh.hd, BH = B * heads;
  cudaDataType st = storageType(ctx), f = CUDA_R_32F;
  float *qs = saved, *ks = saved + M * D, *vs = saved + 2 * M * D,
        *y = saved + 3 * M * D, *lse = saved + 4 * M * D;
  Scratch proj(ctx, sizeof(float) * (M * (2 * D + 2 * sh.Dkv) + BH * S * S),
               op);
  float *q = proj.as<float>(), *k = q + M * D, *v = k + M * sh.Dkv,
        *yp = v + M * sh.Dkv, *probs = yp + M * D;
  gemm(ctx, mm(false, false, M, D, D, x, D, wq, D, q, D, st, f), op);
  gemm(ctx, mm(false, false, M, sh.Dkv, D, x, D, wk, sh.Dkv, k, sh.Dkv, st, f),
       op);
  gemm(ctx, mm(false, false, M, sh.Dkv, D, x, D, wv, sh.Dkv, v, sh.Dkv, st, f),
       op);
  if (bq) { // the f32 projections take the stored biases before RoPE
    addRowBias(ctx, q, bq, M, D, op);
    addRowBias(ctx, k, bk, M, sh.Dkv, op);
    addRowBias(ctx, v, bv, M, sh.Dkv, op);
  }
  launchScatter(ctx, qs, q, sh, 1, rope, op);
  launchScatter(ctx, ks, k, sh, sh.group, rope, op);
  launchScatter(ctx, vs, v, sh, sh.group, false, op);
  gemm(ctx,
       perHead(mm(false, true, S, S, hd, qs, hd, ks, hd, probs, S, f, f), BH,
               S * hd, S * hd, S * S, sh.scale),
       op);
  maskedSoftmax<<<gridFor(BH * S, kRowsPerBlock), kThreads, 0, streamOf(ctx)>>>(
      probs, lse, BH * S, S, causal);
  PIPEOPS_CHECK_LAUNCH(op);
  gemm(ctx,
       perHead(mm(false, false, S, hd, S, probs, S, vs, hd, yp, hd, f, f), BH,
               S * S, S * hd, S * hd),
       op);
  launchGather(ctx, y, yp, sh, 1, false, op);
  std::unique_ptr<Scratch> keep;
  const void *yStored = asStorage(ctx, y, M * D, keep, op);
  Gemm o = mm(false, false, M, D, D, yStored, D, wo, D, out, D, st, st);
  o.bias = bo; // out is in storage type, like the bias: the fused epilogue
  gemm(ctx, o, op);
}

void attention_backward_input(const Context &ctx, void *dx, float *wsaved,
                              const void *dout, const void * /*x*/,
                              const float *saved, const void *wq,
                              const void *wk, const void *wv, const void *wo,
                              int64_t B, int64_t S, int64_t D, int64_t heads,
                              int64_t kv_heads, bool causal, bool rope) {
  const char *op = "attention_backward_input";
  Shape sh(op, B, S, D, heads, kv_heads, rope);
  if (sh.M == 0)
    return;
  int64_t M = sh.M, hd = sh.hd, BH = B * heads, Dkv = sh.Dkv;
  cudaDataType st = storageType(ctx), f = CUDA_R_32F;
  const float *qs = saved, *ks = saved + M * D, *vs = saved + 2 * M * D;
  const float *lse = saved + 4 * M * D;
  Scratch work(ctx, sizeof(float) * (5 * M * D + 2 * BH * S * S), op);
  float *dy = work.as<float>(), *dyp = dy + M * D, *dqp = dyp + M * D,
        *dkp = dqp + M * D;
  float *dvp = dkp + M * D, *ds = dvp + M * D, *probs = ds + BH * S * S;
  gemm(ctx,
       perHead(mm(false, true, S, S, hd, qs, hd, ks, hd, probs, S, f, f), BH,
               S * hd, S * hd, S * S, sh.scale),
       op);
  probsFromLse<<<gridFor(BH * S, kRowsPerBlock), kThreads, 0, streamOf(ctx)>>>(
      probs, lse, BH * S, S, causal);
  PIPEOPS_CHECK_LAUNCH(op);
  gemm(ctx, mm(false, true, M, D, D, dout, D, wo, D, dy, D, st, f), op);
  launchScatter(ctx, dyp, dy, sh, 1, false, op);
  gemm(ctx,
       perHead(mm(false, true, S, S, hd, dyp, hd, vs, hd, ds, S, f, f), BH,
               S * hd, S * hd, S * S),
       op);
  softmaxBackward<<<gridFor(BH * S, kRowsPerBlock), kThreads, 0,
                    streamOf(ctx)>>>(ds, probs, BH * S, S, sh.scale);
  PIPEOPS_CHECK_LAUNCH(op);
  gemm(ctx,
       perHead(mm(false, false, S, hd, S, ds, S, ks, hd, dqp, hd, f, f), BH,
               S * S, S * hd, S * hd),
       op);
  gemm(ctx,
       perHead(mm(true, false, S, hd, S, ds, S, qs, hd, dkp, hd, f, f), BH,
               S * S, S * hd, S * hd),
       op);
  gemm(ctx,
       perHead(mm(true, false, S, hd, S, probs, S, dyp, hd, dvp, hd, f, f), BH,
               S * S, S * hd, S * hd),
       op);
  float *gq = wsaved, *gk = wsaved + M * D, *gv = gk + M * Dkv;
  launchGather(ctx, gq, dqp, sh, 1, rope, op);
  launchGather(ctx, gk, dkp, sh, sh.group, rope, op);
  launchGather(ctx, gv, dvp, sh, sh.group, false, op);
  std::unique_ptr<Scratch> keep;
  // The gradients in storage type: gq's, then (from gkS, gvS) gk's and gv's.
  const char *g = static_cast<const char *>(
      asStorage(ctx, wsaved, attention_wsaved_floats(B, S, D, heads, kv_heads),
                keep, op));
  size_t eb = storage_bytes(ctx);
  const char *gkS = g + eb * M * D, *gvS = g + eb * (M * D + M * Dkv);
  if (ctx.dtype == DType::F32) {
    gemm(ctx, mm(false, true, M, D, D, g, D, wq, D, dx, D, st, st, 1.0f), op);
    gemm(ctx,
         mm(false, true, M, D, Dkv, gkS, Dkv, wk, Dkv, dx, D, st, st, 1.0f),
         op);
    gemm(ctx,
         mm(false, true, M, D, Dkv, gvS, Dkv, wv, Dkv, dx, D, st, st, 1.0f),
         op);
    return;
  }
  // Under bf16 the three products are summed in f32 (in dy's scratch, unused
  // by now) and added to dx once: rounded once, as the host rounds.
  float *sum = dy;
  gemm(ctx, mm(false, true, M, D, D, g, D, wq, D, sum, D, st, f), op);
  gemm(ctx, mm(false, true, M, D, Dkv, gkS, Dkv, wk, Dkv, sum, D, st, f, 1.0f),
       op);
  gemm(ctx, mm(false, true, M, D, Dkv, gvS, Dkv, wv, Dkv, sum, D, st, f, 1.0f),
       op);
  addRounded<<<gridFor(M * D), kThreads, 0, streamOf(ctx)>>>(
      static_cast<__nv_bfloat16 *>(dx), sum, M * D);
  PIPEOPS_CHECK_LAUNCH(op);
}

void attention_backward_weight(const Context &ctx, float *dwq, float *dwk,
                               float *dwv, float *dwo, float *dbq, float *dbk,
                               float *dbv, float *dbo, const void *dout,
                               const void *x, const float *saved,
                               const float *wsaved, int64_t B, int64_t S,
                               int64_t D, int64_t heads, int64_t kv_heads,
                               bool /*causal*/, bool rope) {
  const char *op = "attention_backward_weight";
  Shape sh(op, B, S, D, heads, kv_heads, rope);
  if (sh.M == 0)
    return;
  int64_t M = sh.M, Dkv = sh.Dkv;
  cudaDataType st = storageType(ctx), f = CUDA_R_32F;
  std::unique_ptr<Scratch> keepG, keepY;
  const char *g = static_cast<const char *>(
      asStorage(ctx, wsaved, attention_wsaved_floats(B, S, D, heads, kv_heads),
                keepG, op));
  const float *y = saved + 3 * M * D;
  const void *yStored = asStorage(ctx, y, M * D, keepY, op);
  size_t eb = storage_bytes(ctx);
  gemm(ctx, mm(true, false, D, D, M, x, D, g, D, dwq, D, st, f, 1.0f), op);
  gemm(ctx,
       mm(true, false, D, Dkv, M, x, D, g + eb * M * D, Dkv, dwk, Dkv, st, f,
          1.0f),
       op);
  gemm(ctx,
       mm(true, false, D, Dkv, M, x, D, g + eb * (M * D + M * Dkv), Dkv, dwv,
          Dkv, st, f, 1.0f),
       op);
  gemm(ctx, mm(true, false, D, D, M, yStored, D, dout, D, dwo, D, st, f, 1.0f),
       op);
  if (!dbq) // biases come all together (GPT-2) or not at all
    return;
  // dq, dk, dv are f32 in wsaved: sum them as f32 whatever the storage type.
  Context f32ctx = ctx;
  f32ctx.dtype = DType::F32;
  columnSumsAccumulate(f32ctx, dbq, wsaved, M, D, op);
  columnSumsAccumulate(f32ctx, dbk, wsaved + M * D, M, Dkv, op);
  columnSumsAccumulate(f32ctx, dbv, wsaved + M * D + M * Dkv, M, Dkv, op);
  columnSumsAccumulate(ctx, dbo, dout, M, D, op);
}

} // namespace pipeops::cuda
