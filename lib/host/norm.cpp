// Host layernorm and rmsnorm over the last dim: forward, input gradient,
// scale/shift gradients.
#include "common.h"

#include <cmath>

namespace pipeops::host {

void layernorm_forward(const Context &ctx, void *out, float *saved,
                       const void *in, const void *scale, const void *shift,
                       int64_t M, int64_t D, float eps) {
  const float *x = f32(in), *g = f32(scale), *b = f32(shift);
  float *y = f32(out);
  parallelRows(ctx, M, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      const float *xi = x + i * D;
      float mean = 0.0f, var = 0.0f;
      for (int64_t d = 0; d < D; ++d)
        mean += xi[d];
      mean /= D;
      for (int64_t d = 0; d < D; ++d)
        var += (xi[d] - mean) * (xi[d] - mean);
      float rstd = 1.0f / std::sqrt(var / D + eps);
      for (int64_t d = 0; d < D; ++d)
        y[i * D + d] = (xi[d] - mean) * rstd * g[d] + b[d];
      saved[i] = mean;
      saved[M + i] = rstd;
    }
  });
  roundStored(ctx, y, M * D);
}

// din = rstd * (g*dy - mean(g*dy) - xhat * mean(g*dy*xhat))
void layernorm_backward_input(const Context &ctx, void *din, const void *dout,
                              const void *in, const float *saved,
                              const void *scale, int64_t M, int64_t D) {
  const float *x = f32(in), *dy = f32(dout), *g = f32(scale);
  float *dx = f32(din);
  parallelRows(ctx, M, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      float mean = saved[i], rstd = saved[M + i];
      float sumG = 0.0f, sumGX = 0.0f;
      for (int64_t d = 0; d < D; ++d) {
        float gdy = g[d] * dy[i * D + d];
        sumG += gdy;
        sumGX += gdy * (x[i * D + d] - mean) * rstd;
      }
      sumG /= D;
      sumGX /= D;
      for (int64_t d = 0; d < D; ++d) {
        float xhat = (x[i * D + d] - mean) * rstd;
        dx[i * D + d] += rstd * (g[d] * dy[i * D + d] - sumG - xhat * sumGX);
      }
    }
  });
  roundStored(ctx, dx, M * D);
}

void layernorm_backward_weight(const Context &ctx, float *dscale, float *dshift,
                               const void *dout, const void *in,
                               const float *saved, int64_t M, int64_t D) {
  const float *x = f32(in), *dy = f32(dout);
  parallelRows(ctx, D, [&](int64_t d0, int64_t d1) {
    for (int64_t d = d0; d < d1; ++d) {
      float sg = 0.0f, sb = 0.0f;
      for (int64_t i = 0; i < M; ++i) {
        sg += dy[i * D + d] * (x[i * D + d] - saved[i]) * saved[M + i];
        sb += dy[i * D + d];
      }
      dscale[d] += sg;
      dshift[d] += sb;
    }
  });
}

void rmsnorm_forward(const Context &ctx, void *out, float *saved,
                     const void *in, const void *scale, int64_t M, int64_t D,
                     float eps) {
  const float *x = f32(in), *g = f32(scale);
  float *y = f32(out);
  parallelRows(ctx, M, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      float ss = 0.0f;
      for (int64_t d = 0; d < D; ++d)
        ss += x[i * D + d] * x[i * D + d];
      float rstd = 1.0f / std::sqrt(ss / D + eps);
      for (int64_t d = 0; d < D; ++d)
        y[i * D + d] = x[i * D + d] * rstd * g[d];
      saved[i] = rstd;
    }
  });
  roundStored(ctx, y, M * D);
}

// din = rstd * (g*dy - xhat * mean(g*dy*xhat)), xhat = x * rstd
void rmsnorm_backward_input(const Context &ctx, void *din, const void *dout,
                            const void *in, const float *saved,
                            const void *scale, int64_t M, int64_t D) {
  const float *x = f32(in), *dy = f32(dout), *g = f32(scale);
  float *dx = f32(din);
  parallelRows(ctx, M, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      float rstd = saved[i], sumGX = 0.0f;
      for (int64_t d = 0; d < D; ++d)
        sumGX += g[d] * dy[i * D + d] * x[i * D + d] * rstd;
      sumGX /= D;
      for (int64_t d = 0; d < D; ++d)
        dx[i * D + d] +=
            rstd * (g[d] * dy[i * D + d] - x[i * D + d] * rstd * sumGX);
    }
  });
  roundStored(ctx, dx, M * D);
}

void rmsnorm_backward_weight(const Context &ctx, float *dscale,
                             const void *dout, const void *in,
                             const float *saved, int64_t M, int64_t D) {
  const float *x = f32(in), *dy = f32(dout);
  parallelRows(ctx, D, [&](int64_t d0, int64_t d1) {
    for (int64_t d = d0; d < d1; ++d) {
      float s = 0.0f;
      for (int64_t i = 0; i < M; ++i)
        s += dy[i * D + d] * x[i * D + d] * saved[i];
      dscale[d] += s;
    }
  });
}

} // namespace pipeops::host
