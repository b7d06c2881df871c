// Host elementwise ops: gelu (tanh approximation), relu, silu, add and mul,
// forward and backward.
#include "common.h"

#include "pipeops/activation_math.h"

namespace pipeops::host {

namespace {
/// Applies fn(i) for i in [0, n) over ctx.threads chunks.
template <typename Fn> void elementwise(const Context &ctx, int64_t n, Fn fn) {
  parallelRows(ctx, n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      fn(i);
  });
}
} // namespace

#define PIPEOPS_HOST_ACTIVATION(NAME)                                          \
  void NAME##_forward(const Context &ctx, void *out, const void *in,           \
                      int64_t n) {                                             \
    const float *x = f32(in);                                                  \
    float *y = f32(out);                                                       \
    elementwise(ctx, n, [&](int64_t i) { y[i] = math::NAME(x[i]); });          \
    roundStored(ctx, y, n);                                                    \
  }                                                                            \
  void NAME##_backward_input(const Context &ctx, void *din, const void *dout,  \
                             const void *in, int64_t n) {                      \
    const float *x = f32(in), *dy = f32(dout);                                 \
    float *dx = f32(din);                                                      \
    elementwise(ctx, n,                                                        \
                [&](int64_t i) { dx[i] += dy[i] * math::NAME##_grad(x[i]); }); \
    roundStored(ctx, dx, n);                                                   \
  }
PIPEOPS_HOST_ACTIVATION(gelu)
PIPEOPS_HOST_ACTIVATION(relu)
PIPEOPS_HOST_ACTIVATION(silu)
#undef PIPEOPS_HOST_ACTIVATION

void add_forward(const Context &ctx, void *out, const void *a, const void *b,
                 int64_t n) {
  const float *x = f32(a), *y = f32(b);
  float *o = f32(out);
  elementwise(ctx, n, [&](int64_t i) { o[i] = x[i] + y[i]; });
  roundStored(ctx, o, n);
}

void add_backward_input(const Context &ctx, void *da, void *db,
                        const void *dout, int64_t n) {
  const float *g = f32(dout);
  float *ga = f32(da), *gb = f32(db);
  elementwise(ctx, n, [&](int64_t i) {
    ga[i] += g[i];
    gb[i] += g[i];
  });
  roundStored(ctx, ga, n);
  if (gb != ga)
    roundStored(ctx, gb, n);
}

void mul_forward(const Context &ctx, void *out, const void *a, const void *b,
                 int64_t n) {
  const float *x = f32(a), *y = f32(b);
  float *o = f32(out);
  elementwise(ctx, n, [&](int64_t i) { o[i] = x[i] * y[i]; });
  roundStored(ctx, o, n);
}

void mul_backward_input(const Context &ctx, void *da, void *db,
                        const void *dout, const void *a, const void *b,
                        int64_t n) {
  const float *g = f32(dout), *x = f32(a), *y = f32(b);
  float *ga = f32(da), *gb = f32(db);
  elementwise(ctx, n, [&](int64_t i) {
    float gx = g[i] * y[i], gy = g[i] * x[i];
    ga[i] += gx;
    gb[i] += gy;
  });
  roundStored(ctx, ga, n);
  if (gb != ga)
    roundStored(ctx, gb, n);
}

} // namespace pipeops::host
