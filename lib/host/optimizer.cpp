// Host optimizers over many f32 tensors: AdamW (decoupled weight decay) and SGD
// with momentum.
#include "common.h"

#include <cmath>

namespace pipeops::host {

void adamw_step(const Context &ctx, const AdamW &opt, int step,
                float *const *params, const float *const *grads,
                float *const *m, float *const *v, const int64_t *sizes,
                int count) {
  if (step < 1)
    fail("adamw_step", "step must be >= 1 (it is 1-based for bias correction)");
  float c1 = 1.0f - std::pow(opt.beta1, static_cast<float>(step));
  float c2 = 1.0f - std::pow(opt.beta2, static_cast<float>(step));
  for (int t = 0; t < count; ++t) {
    float *p = params[t], *mt = m[t], *vt = v[t];
    const float *g = grads[t];
    parallelRows(ctx, sizes[t], [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        p[i] -= opt.lr * opt.weight_decay * p[i];
        mt[i] = opt.beta1 * mt[i] + (1.0f - opt.beta1) * g[i];
        vt[i] = opt.beta2 * vt[i] + (1.0f - opt.beta2) * g[i] * g[i];
        p[i] -= opt.lr * (mt[i] / c1) / (std::sqrt(vt[i] / c2) + opt.eps);
      }
    });
  }
}

void sgd_step(const Context &ctx, float lr, float momentum,
              float *const *params, const float *const *grads,
              float *const *velocity, const int64_t *sizes, int count) {
  if (momentum != 0.0f && !velocity)
    fail("sgd_step", "momentum needs velocity buffers");
  for (int t = 0; t < count; ++t) {
    float *p = params[t];
    const float *g = grads[t];
    float *buf = momentum != 0.0f ? velocity[t] : nullptr;
    parallelRows(ctx, sizes[t], [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        float d = g[i];
        if (buf) {
          buf[i] = momentum * buf[i] + g[i];
          d = buf[i];
        }
        p[i] -= lr * d;
      }
    });
  }
}

} // namespace pipeops::host
