// CUDA elementwise ops: gelu (tanh), relu, silu, add and mul; forward and
// accumulating backward.
#include "common.cuh"

#include "pipeops/activation_math.h"

namespace pipeops::cuda {

namespace {
#define PIPEOPS_GRID_STRIDE(i, n)                                              \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n);    \
       i += int64_t(gridDim.x) * blockDim.x)

struct Gelu {
  __device__ static float f(float x) { return math::gelu(x); }
  __device__ static float df(float x) { return math::gelu_grad(x); }
};
struct Relu {
  __device__ static float f(float x) { return math::relu(x); }
  __device__ static float df(float x) { return math::relu_grad(x); }
};
struct Silu {
  __device__ static float f(float x) { return math::silu(x); }
  __device__ static float df(float x) { return math::silu_grad(x); }
};

template <typename Act, typename T>
__global__ void actForward(T *y, const T *x, int64_t n) {
  PIPEOPS_GRID_STRIDE(i, n) store(y, i, Act::f(load(x, i)));
}
template <typename Act, typename T>
__global__ void actBackward(T *dx, const T *dy, const T *x, int64_t n) {
  PIPEOPS_GRID_STRIDE(i, n)
  store(dx, i, load(dx, i) + load(dy, i) * Act::df(load(x, i)));
}
template <typename T>
__global__ void addForward(T *o, const T *a, const T *b, int64_t n) {
  PIPEOPS_GRID_STRIDE(i, n) store(o, i, load(a, i) + load(b, i));
}
template <typename T>
__global__ void mulForward(T *o, const T *a, const T *b, int64_t n) {
  PIPEOPS_GRID_STRIDE(i, n) store(o, i, load(a, i) * load(b, i));
}
// da and db may alias (x + x, x * x): read both updates first, write once.
template <typename T>
__global__ void addBackward(T *da, T *db, const T *dy, int64_t n) {
  PIPEOPS_GRID_STRIDE(i, n) {
    float g = load(dy, i);
    if (da == db) {
      store(da, i, load(da, i) + 2.0f * g);
    } else {
      store(da, i, load(da, i) + g);
      store(db, i, load(db, i) + g);
    }
  }
}
template <typename T>
__global__ void mulBackward(T *da, T *db, const T *dy, const T *a, const T *b,
                            int64_t n) {
  PIPEOPS_GRID_STRIDE(i, n) {
    float g = load(dy, i), ga = g * load(b, i), gb = g * load(a, i);
    if (da == db) {
      store(da, i, load(da, i) + ga + gb);
    } else {
      store(da, i, load(da, i) + ga);
      store(db, i, load(db, i) + gb);
    }
  }
}

template <typename Act>
void activationForward(const Context &ctx, void *out, const void *in, int64_t n,
                       const char *op) {
  if (n <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    actForward<Act><<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(out), static_cast<const T *>(in), n);
  });
  PIPEOPS_CHECK_LAUNCH(op);
}
template <typename Act>
void activationBackward(const Context &ctx, void *din, const void *dout,
                        const void *in, int64_t n, const char *op) {
  if (n <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    actBackward<Act><<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(din), static_cast<const T *>(dout),
        static_cast<const T *>(in), n);
  });
  PIPEOPS_CHECK_LAUNCH(op);
}
} // namespace

#define PIPEOPS_CUDA_ACTIVATION(NAME, ACT)                                     \
  void NAME##_forward(const Context &ctx, void *out, const void *in,           \
                      int64_t n) {                                             \
    activationForward<ACT>(ctx, out, in, n, #NAME "_forward");                 \
  }                                                                            \
  void NAME##_backward_input(const Context &ctx, void *din, const void *dout,  \
                             const void *in, int64_t n) {                      \
    activationBackward<ACT>(ctx, din, dout, in, n, #NAME "_backward_input");   \
  }
PIPEOPS_CUDA_ACTIVATION(gelu, Gelu)
PIPEOPS_CUDA_ACTIVATION(relu, Relu)
PIPEOPS_CUDA_ACTIVATION(silu, Silu)
#undef PIPEOPS_CUDA_ACTIVATION

void add_forward(const Context &ctx, void *out, const void *a, const void *b,
                 int64_t n) {
  if (n <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    addForward<<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(out), static_cast<const T *>(a),
        static_cast<const T *>(b), n);
  });
  PIPEOPS_CHECK_LAUNCH("add_forward");
}

void add_backward_input(const Context &ctx, void *da, void *db,
                        const void *dout, int64_t n) {
  if (n <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    addBackward<<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(da), static_cast<T *>(db),
        static_cast<const T *>(dout), n);
  });
  PIPEOPS_CHECK_LAUNCH("add_backward_input");
}

void mul_forward(const Context &ctx, void *out, const void *a, const void *b,
                 int64_t n) {
  if (n <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    mulForward<<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(out), static_cast<const T *>(a),
        static_cast<const T *>(b), n);
  });
  PIPEOPS_CHECK_LAUNCH("mul_forward");
}

void mul_backward_input(const Context &ctx, void *da, void *db,
                        const void *dout, const void *a, const void *b,
                        int64_t n) {
  if (n <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    mulBackward<<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(da), static_cast<T *>(db),
        static_cast<const T *>(dout), static_cast<const T *>(a),
        static_cast<const T *>(b), n);
  });
  PIPEOPS_CHECK_LAUNCH("mul_backward_input");
}

} // namespace pipeops::cuda
