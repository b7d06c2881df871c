// Host layernorm and rmsnorm over the last dim: forward, input gradient,
// scale/shift gradients; row loops written to vectorise (laneSum for the
// reductions, weight gradients accumulated row by row over column blocks).
#include "common.h"
#include "vecmath.h"

#include <cmath>

namespace pipeops::host {

namespace {
PIPEOPS_VECTOR_CLONES
void layernormRows(float *__restrict y, float *__restrict mean,
                   float *__restrict rstd, const float *__restrict x,
                   const float *__restrict g, const float *__restrict b,
                   int64_t rows, int64_t D, float eps) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *xi = x + i * D;
    float m = laneSum(D, [&](int64_t d) { return xi[d]; }) / D;
    float var =
        laneSum(D, [&](int64_t d) { return (xi[d] - m) * (xi[d] - m); });
    float r = 1.0f / std::sqrt(var / D + eps);
    float *yi = y + i * D;
    for (int64_t d = 0; d < D; ++d)
      yi[d] = (xi[d] - m) * r * g[d] + b[d];
    mean[i] = m;
    rstd[i] = r;
  }
}

// din = rstd * (g*dy - mean(g*dy) - xhat * mean(g*dy*xhat))
PIPEOPS_VECTOR_CLONES
void layernormGradRows(float *__restrict dx, const float *__restrict dy,
                       const float *__restrict x, const float *__restrict mean,
                       const float *__restrict rstd, const float *__restrict g,
                       int64_t rows, int64_t D) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *xi = x + i * D, *dyi = dy + i * D;
    float m = mean[i], r = rstd[i];
    float sumG = laneSum(D, [&](int64_t d) { return g[d] * dyi[d]; }) / D;
    float sumGX =
        laneSum(D, [&](int64_t d) { return g[d] * dyi[d] * (xi[d] - m) * r; }) /
        D;
    float *dxi = dx + i * D;
    for (int64_t d = 0; d < D; ++d)
      dxi[d] += r * (g[d] * dyi[d] - sumG - (xi[d] - m) * r * sumGX);
  }
}

/// dscale[d] += sum_i dy*xhat and dshift[d] += sum_i dy over columns [d0, d1),
/// rows in order (dshift may be nullptr; mean nullptr: rmsnorm, xhat = x*rstd).
PIPEOPS_VECTOR_CLONES
void normWeightGradCols(float *__restrict dscale, float *__restrict dshift,
                        const float *__restrict dy, const float *__restrict x,
                        const float *mean, const float *__restrict rstd,
                        int64_t M, int64_t D, int64_t d0, int64_t d1) {
  for (int64_t i = 0; i < M; ++i) {
    const float *xi = x + i * D, *dyi = dy + i * D;
    float m = mean ? mean[i] : 0.0f, r = rstd[i];
    for (int64_t d = d0; d < d1; ++d)
      dscale[d] += dyi[d] * (xi[d] - m) * r;
    if (dshift)
      for (int64_t d = d0; d < d1; ++d)
        dshift[d] += dyi[d];
  }
}

PIPEOPS_VECTOR_CLONES
void rmsnormRows(float *__restrict y, float *__restrict rstd,
                 const float *__restrict x, const float *__restrict g,
                 int64_t rows, int64_t D, float eps) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *xi = x + i * D;
    float ss = laneSum(D, [&](int64_t d) { return xi[d] * xi[d]; });
    float r = 1.0f / std::sqrt(ss / D + eps);
    float *yi = y + i * D;
    for (int64_t d = 0; d < D; ++d)
      yi[d] = xi[d] * r * g[d];
    rstd[i] = r;
  }
}

// din = rstd * (g*dy - xhat * mean(g*dy*xhat)), xhat = x * rstd
PIPEOPS_VECTOR_CLONES
void rmsnormGradRows(float *__restrict dx, const float *__restrict dy,
                     const float *__restrict x, const float *__restrict rstd,
                     const float *__restrict g, int64_t rows, int64_t D) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *xi = x + i * D, *dyi = dy + i * D;
    float r = rstd[i];
    float sumGX =
        laneSum(D, [&](int64_t d) { return g[d] * dyi[d] * xi[d] * r; }) / D;
    float *dxi = dx + i * D;
    for (int64_t d = 0; d < D; ++d)
      dxi[d] += r * (g[d] * dyi[d] - xi[d] * r * sumGX);
  }
}
} // namespace

void layernorm_forward(const Context &ctx, void *out, float *saved,
                       const void *in, const void *scale, const void *shift,
                       int64_t M, int64_t D, float eps) {
  const float *x = f32(in);
  float *y = f32(out);
  parallelRows(ctx, M, 6 * D, [&](int64_t r0, int64_t r1) {
    layernormRows(y + r0 * D, saved + r0, saved + M + r0, x + r0 * D,
                  f32(scale), f32(shift), r1 - r0, D, eps);
  });
  roundStored(ctx, y, M * D);
}

void layernorm_backward_input(const Context &ctx, void *din, const void *dout,
                              const void *in, const float *saved,
                              const void *scale, int64_t M, int64_t D) {
  float *dx = f32(din);
  parallelRows(ctx, M, 10 * D, [&](int64_t r0, int64_t r1) {
    layernormGradRows(dx + r0 * D, f32(dout) + r0 * D, f32(in) + r0 * D,
                      saved + r0, saved + M + r0, f32(scale), r1 - r0, D);
  });
  roundStored(ctx, dx, M * D);
}

void layernorm_backward_weight(const Context &ctx, float *dscale, float *dshift,
                               const void *dout, const void *in,
                               const float *saved, int64_t M, int64_t D) {
  parallelRows(ctx, D, 4 * M, [&](int64_t d0, int64_t d1) {
    normWeightGradCols(dscale, dshift, f32(dout), f32(in), saved, saved + M, M,
                       D, d0, d1);
  });
}

void rmsnorm_forward(const Context &ctx, void *out, float *saved,
                     const void *in, const void *scale, int64_t M, int64_t D,
                     float eps) {
  float *y = f32(out);
  parallelRows(ctx, M, 4 * D, [&](int64_t r0, int64_t r1) {
    rmsnormRows(y + r0 * D, saved + r0, f32(in) + r0 * D, f32(scale), r1 - r0,
                D, eps);
  });
  roundStored(ctx, y, M * D);
}

void rmsnorm_backward_input(const Context &ctx, void *din, const void *dout,
                            const void *in, const float *saved,
                            const void *scale, int64_t M, int64_t D) {
  float *dx = f32(din);
  parallelRows(ctx, M, 8 * D, [&](int64_t r0, int64_t r1) {
    rmsnormGradRows(dx + r0 * D, f32(dout) + r0 * D, f32(in) + r0 * D,
                    saved + r0, f32(scale), r1 - r0, D);
  });
  roundStored(ctx, dx, M * D);
}

void rmsnorm_backward_weight(const Context &ctx, float *dscale,
                             const void *dout, const void *in,
                             const float *saved, int64_t M, int64_t D) {
  parallelRows(ctx, D, 3 * M, [&](int64_t d0, int64_t d1) {
    normWeightGradCols(dscale, nullptr, f32(dout), f32(in), nullptr, saved, M,
                       D, d0, d1);
  });
}

} // namespace pipeops::host
