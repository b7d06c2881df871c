// Reference kernels of the embedding and the optimizers: the plain loops the
// host backend ran before they were vectorised and split over the pool.
#include "pipeops/reference.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace pipeops::reference {

namespace {
float roundBF16(float x) { // round to nearest even; NaN stays a quiet NaN
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x7fffffu))
    u = (u | 0x00400000u) & 0xffff0000u;
  else
    u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  std::memcpy(&x, &u, 4);
  return x;
}
} // namespace

void embedding_forward(float *out, const int32_t *ids, const float *wte,
                       const float *wpe, int64_t M, int64_t S, int64_t D,
                       bool bf16) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t d = 0; d < D; ++d) {
      float y = wte[ids[i] * D + d] + (wpe ? wpe[(i % S) * D + d] : 0.0f);
      out[i * D + d] = bf16 ? roundBF16(y) : y;
    }
}

void embedding_backward_weight(float *dwte, float *dwpe, const float *dout,
                               const int32_t *ids, int64_t M, int64_t S,
                               int64_t D) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t d = 0; d < D; ++d) {
      dwte[ids[i] * D + d] += dout[i * D + d];
      if (dwpe)
        dwpe[(i % S) * D + d] += dout[i * D + d];
    }
}

void adamw_step(const AdamW &opt, int step, float *const *params,
                const float *const *grads, float *const *m, float *const *v,
                const int64_t *sizes, int count) {
  float c1 = 1.0f - std::pow(opt.beta1, static_cast<float>(step));
  float c2 = 1.0f - std::pow(opt.beta2, static_cast<float>(step));
  for (int t = 0; t < count; ++t) {
    float *p = params[t], *mt = m[t], *vt = v[t];
    const float *g = grads[t];
    for (int64_t i = 0; i < sizes[t]; ++i) {
      p[i] -= opt.lr * opt.weight_decay * p[i];
      mt[i] = opt.beta1 * mt[i] + (1.0f - opt.beta1) * g[i];
      vt[i] = opt.beta2 * vt[i] + (1.0f - opt.beta2) * g[i] * g[i];
      p[i] -= opt.lr * (mt[i] / c1) / (std::sqrt(vt[i] / c2) + opt.eps);
    }
  }
}

void sgd_step(float lr, float momentum, float *const *params,
              const float *const *grads, float *const *velocity,
              const int64_t *sizes, int count) {
  for (int t = 0; t < count; ++t)
    for (int64_t i = 0; i < sizes[t]; ++i) {
      float d = grads[t][i];
      if (momentum != 0.0f) {
        velocity[t][i] = momentum * velocity[t][i] + d;
        d = velocity[t][i];
      }
      params[t][i] -= lr * d;
    }
}

} // namespace pipeops::reference
