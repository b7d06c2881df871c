// CUDA layernorm and rmsnorm: one warp per row for forward and input gradient;
// scale/shift gradients as fixed-order column reductions over row chunks (no
// atomics).
#include "common.cuh"

namespace pipeops::cuda {

namespace {
constexpr int kRowsPerBlock = kThreads / 32;
constexpr int kChunks = 64;

/// Mean and rstd of row i (rms: mean = 0, rstd from the mean square).
template <bool Rms, typename T>
__device__ void rowStats(const T *x, int64_t D, float eps, float &mean,
                         float &rstd) {
  int lane = threadIdx.x % 32;
  float s = 0.0f;
  if (!Rms) {
    for (int64_t d = lane; d < D; d += 32)
      s += load(x, d);
    s = warpSum(s) / D;
  }
  mean = s;
  float v = 0.0f;
  for (int64_t d = lane; d < D; d += 32) {
    float c = load(x, d) - mean;
    v += c * c;
  }
  rstd = rsqrtf(warpSum(v) / D + eps);
}

template <bool Rms, typename T>
__global__ void normForward(T *y, float *saved, const T *x, const T *scale,
                            const T *shift, int64_t M, int64_t D, float eps) {
  int64_t i = blockIdx.x * int64_t(kRowsPerBlock) + threadIdx.x / 32;
  if (i >= M)
    return;
  float mean, rstd;
  rowStats<Rms>(x + i * D, D, eps, mean, rstd);
  for (int64_t d = threadIdx.x % 32; d < D; d += 32) {
    float v = (load(x, i * D + d) - mean) * rstd * load(scale, d);
    store(y, i * D + d, Rms ? v : v + load(shift, d));
  }
  if (threadIdx.x % 32 == 0) {
    if (Rms) {
      saved[i] = rstd;
    } else {
      saved[i] = mean;
      saved[M + i] = rstd;
    }
  }
}

template <bool Rms, typename T>
__global__ void normBackwardInput(T *dx, const T *dy, const T *x,
                                  const float *saved, const T *scale, int64_t M,
                                  int64_t D) {
  int64_t i = blockIdx.x * int64_t(kRowsPerBlock) + threadIdx.x / 32;
  if (i >= M)
    return;
  float mean = Rms ? 0.0f : saved[i], rstd = Rms ? saved[i] : saved[M + i];
  float sumG = 0.0f, sumGX = 0.0f;
  for (int64_t d = threadIdx.x % 32; d < D; d += 32) {
    float g = load(scale, d) * load(dy, i * D + d);
    sumG += g;
    sumGX += g * (load(x, i * D + d) - mean) * rstd;
  }
  sumG = Rms ? 0.0f : warpSum(sumG) / D;
  sumGX = warpSum(sumGX) / D;
  for (int64_t d = threadIdx.x % 32; d < D; d += 32) {
    float xhat = (load(x, i * D + d) - mean) * rstd;
    float g = load(scale, d) * load(dy, i * D + d);
    store(dx, i * D + d,
          load(dx, i * D + d) + rstd * (g - sumG - xhat * sumGX));
  }
}

/// partial[chunk][d] = sums over the chunk's rows of dy*xhat (dscale) and dy
/// (dshift).
template <bool Rms, typename T>
__global__ void normWeightPartial(float *partScale, float *partShift,
                                  const T *dy, const T *x, const float *saved,
                                  int64_t M, int64_t D) {
  int64_t d = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (d >= D)
    return;
  int64_t rows = (M + kChunks - 1) / kChunks, r0 = blockIdx.y * rows;
  int64_t r1 = r0 + rows < M ? r0 + rows : M;
  float sg = 0.0f, sb = 0.0f;
  for (int64_t i = r0; i < r1; ++i) {
    float mean = Rms ? 0.0f : saved[i], rstd = Rms ? saved[i] : saved[M + i];
    float g = load(dy, i * D + d);
    sg += g * (load(x, i * D + d) - mean) * rstd;
    sb += g;
  }
  partScale[blockIdx.y * D + d] = sg;
  if (!Rms)
    partShift[blockIdx.y * D + d] = sb;
}

__global__ void finishChunks(float *out, const float *partial, int64_t D) {
  int64_t d = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (d >= D)
    return;
  float s = 0.0f;
  for (int c = 0; c < kChunks; ++c)
    s += partial[c * D + d];
  out[d] += s;
}

template <bool Rms>
void normForwardLaunch(const Context &ctx, void *out, float *saved,
                       const void *in, const void *scale, const void *shift,
                       int64_t M, int64_t D, float eps, const char *op) {
  if (M <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    normForward<Rms><<<gridFor(M, kRowsPerBlock), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(out), saved, static_cast<const T *>(in),
        static_cast<const T *>(scale), static_cast<const T *>(shift), M, D,
        eps);
  });
  PIPEOPS_CHECK_LAUNCH(op);
}

template <bool Rms>
void normBackwardInputLaunch(const Context &ctx, void *din, const void *dout,
                             const void *in, const float *saved,
                             const void *scale, int64_t M, int64_t D,
                             const char *op) {
  if (M <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    normBackwardInput<Rms>
        <<<gridFor(M, kRowsPerBlock), kThreads, 0, streamOf(ctx)>>>(
            static_cast<T *>(din), static_cast<const T *>(dout),
            static_cast<const T *>(in), saved, static_cast<const T *>(scale), M,
            D);
  });
  PIPEOPS_CHECK_LAUNCH(op);
}

template <bool Rms>
void normBackwardWeightLaunch(const Context &ctx, float *dscale, float *dshift,
                              const void *dout, const void *in,
                              const float *saved, int64_t M, int64_t D,
                              const char *op) {
  Scratch partial(ctx, sizeof(float) * 2 * kChunks * D, op);
  float *ps = partial.as<float>(), *pb = ps + kChunks * D;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    normWeightPartial<Rms>
        <<<dim3(gridFor(D), kChunks), kThreads, 0, streamOf(ctx)>>>(
            ps, pb, static_cast<const T *>(dout), static_cast<const T *>(in),
            saved, M, D);
  });
  PIPEOPS_CHECK_LAUNCH(op);
  finishChunks<<<gridFor(D), kThreads, 0, streamOf(ctx)>>>(dscale, ps, D);
  if (!Rms)
    finishChunks<<<gridFor(D), kThreads, 0, streamOf(ctx)>>>(dshift, pb, D);
  PIPEOPS_CHECK_LAUNCH(op);
}
} // namespace

void layernorm_forward(const Context &ctx, void *out, float *saved,
                       const void *in, const void *scale, const void *shift,
                       int64_t M, int64_t D, float eps) {
  normForwardLaunch<false>(ctx, out, saved, in, scale, shift, M, D, eps,
                           "layernorm_forward");
}
void layernorm_backward_input(const Context &ctx, void *din, const void *dout,
                              const void *in, const float *saved,
                              const void *scale, int64_t M, int64_t D) {
  normBackwardInputLaunch<false>(ctx, din, dout, in, saved, scale, M, D,
                                 "layernorm_backward_input");
}
void layernorm_backward_weight(const Context &ctx, float *dscale, float *dshift,
                               const void *dout, const void *in,
                               const float *saved, int64_t M, int64_t D) {
  normBackwardWeightLaunch<false>(ctx, dscale, dshift, dout, in, saved, M, D,
                                  "layernorm_backward_weight");
}
void rmsnorm_forward(const Context &ctx, void *out, float *saved,
                     const void *in, const void *scale, int64_t M, int64_t D,
                     float eps) {
  normForwardLaunch<true>(ctx, out, saved, in, scale, nullptr, M, D, eps,
                          "rmsnorm_forward");
}
void rmsnorm_backward_input(const Context &ctx, void *din, const void *dout,
                            const void *in, const float *saved,
                            const void *scale, int64_t M, int64_t D) {
  normBackwardInputLaunch<true>(ctx, din, dout, in, saved, scale, M, D,
                                "rmsnorm_backward_input");
}
void rmsnorm_backward_weight(const Context &ctx, float *dscale,
                             const void *dout, const void *in,
                             const float *saved, int64_t M, int64_t D) {
  normBackwardWeightLaunch<true>(ctx, dscale, nullptr, dout, in, saved, M, D,
                                 "rmsnorm_backward_weight");
}

} // namespace pipeops::cuda
