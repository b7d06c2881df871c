// Host swiglu: out = silu(a) * b elementwise, and its accumulating input
// gradients.
#include "common.h"

#include "pipeops/activation_math.h"

namespace pipeops::host {

void swiglu_forward(const Context &ctx, void *out, const void *a, const void *b,
                    int64_t n) {
  const float *x = f32(a), *y = f32(b);
  float *o = f32(out);
  parallelRows(ctx, n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      o[i] = math::silu(x[i]) * y[i];
  });
  roundStored(ctx, o, n);
}

// da += dout * b * silu'(a); db += dout * silu(a). da and db may alias
// (swiglu(x, x)): both updates are computed before either is written.
void swiglu_backward_input(const Context &ctx, void *da, void *db,
                           const void *dout, const void *a, const void *b,
                           int64_t n) {
  const float *g = f32(dout), *x = f32(a), *y = f32(b);
  float *ga = f32(da), *gb = f32(db);
  parallelRows(ctx, n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      float dx = g[i] * y[i] * math::silu_grad(x[i]);
      float dy = g[i] * math::silu(x[i]);
      ga[i] += dx;
      gb[i] += dy;
    }
  });
  roundStored(ctx, ga, n);
  if (gb != ga)
    roundStored(ctx, gb, n);
}

} // namespace pipeops::host
