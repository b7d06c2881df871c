// Host elementwise ops: gelu (tanh approximation), relu, silu, add and mul,
// forward and backward.
#include "common.h"

#include "vecmath.h"

#include "pipeops/activation_math.h"

namespace pipeops::host {

namespace {
/// Applies fn(i) for i in [0, n) over the pool.
template <typename Fn> void elementwise(const Context &ctx, int64_t n, Fn fn) {
  parallelRows(ctx, n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      fn(i);
  });
}

// gelu and silu with vexp/vtanh instead of libm calls, so the loops
// vectorise; same formulas as activation_math.h (within ~1e-7).
inline float gelu(float x) {
  float u = math::kGeluC * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + vtanh(u));
}
inline float gelu_grad(float x) {
  float u = math::kGeluC * (x + 0.044715f * x * x * x);
  float t = vtanh(u);
  float du = math::kGeluC * (1.0f + 3.0f * 0.044715f * x * x);
  return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du;
}
inline float silu(float x) { return x / (1.0f + vexp(-x)); }
inline float silu_grad(float x) {
  float s = 1.0f / (1.0f + vexp(-x));
  return s * (1.0f + x * (1.0f - s));
}
using math::relu;
using math::relu_grad;

#define PIPEOPS_HOST_ACTIVATION_LOOPS(NAME)                                    \
  PIPEOPS_VECTOR_CLONES                                                        \
  void NAME##Range(float *__restrict y, const float *__restrict x,             \
                   int64_t n) {                                                \
    for (int64_t i = 0; i < n; ++i)                                            \
      y[i] = NAME(x[i]);                                                       \
  }                                                                            \
  PIPEOPS_VECTOR_CLONES                                                        \
  void NAME##GradRange(float *__restrict dx, const float *__restrict dy,       \
                       const float *__restrict x, int64_t n) {                 \
    for (int64_t i = 0; i < n; ++i)                                            \
      dx[i] += dy[i] * NAME##_grad(x[i]);                                      \
  }
PIPEOPS_HOST_ACTIVATION_LOOPS(gelu)
PIPEOPS_HOST_ACTIVATION_LOOPS(relu)
PIPEOPS_HOST_ACTIVATION_LOOPS(silu)
#undef PIPEOPS_HOST_ACTIVATION_LOOPS
} // namespace

// About 30 element operations each (vexp/vtanh), for the chunking.
#define PIPEOPS_HOST_ACTIVATION(NAME)                                          \
  void NAME##_forward(const Context &ctx, void *out, const void *in,           \
                      int64_t n) {                                             \
    const float *x = f32(in);                                                  \
    float *y = f32(out);                                                       \
    parallelRows(ctx, n, 30, [&](int64_t i0, int64_t i1) {                     \
      NAME##Range(y + i0, x + i0, i1 - i0);                                    \
    });                                                                        \
    roundStored(ctx, y, n);                                                    \
  }                                                                            \
  void NAME##_backward_input(const Context &ctx, void *din, const void *dout,  \
                             const void *in, int64_t n) {                      \
    const float *x = f32(in), *dy = f32(dout);                                 \
    float *dx = f32(din);                                                      \
    parallelRows(ctx, n, 30, [&](int64_t i0, int64_t i1) {                     \
      NAME##GradRange(dx + i0, dy + i0, x + i0, i1 - i0);                      \
    });                                                                        \
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
