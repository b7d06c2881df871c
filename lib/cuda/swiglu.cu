// CUDA swiglu: out = silu(a) * b elementwise, and its accumulating input
// gradients (one grid-stride kernel each, math shared with the host).
#include "common.cuh"

#include "pipeops/activation_math.h"

namespace pipeops::cuda {

namespace {
template <typename T>
__global__ void swigluForward(T *o, const T *a, const T *b, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    store(o, i, math::silu(load(a, i)) * load(b, i));
}

// da and db may alias (swiglu(x, x)): read both updates first, write once.
template <typename T>
__global__ void swigluBackward(T *da, T *db, const T *dy, const T *a,
                               const T *b, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float g = load(dy, i), x = load(a, i);
    float ga = g * load(b, i) * math::silu_grad(x), gb = g * math::silu(x);
    if (da == db) {
      store(da, i, load(da, i) + ga + gb);
    } else {
      store(da, i, load(da, i) + ga);
      store(db, i, load(db, i) + gb);
    }
  }
}
} // namespace

void swiglu_forward(const Context &ctx, void *out, const void *a, const void *b,
                    int64_t n) {
  if (n <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    swigluForward<<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(out), static_cast<const T *>(a),
        static_cast<const T *>(b), n);
  });
  PIPEOPS_CHECK_LAUNCH("swiglu_forward");
}

void swiglu_backward_input(const Context &ctx, void *da, void *db,
                           const void *dout, const void *a, const void *b,
                           int64_t n) {
  if (n <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    swigluBackward<<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(da), static_cast<T *>(db),
        static_cast<const T *>(dout), static_cast<const T *>(a),
        static_cast<const T *>(b), n);
  });
  PIPEOPS_CHECK_LAUNCH("swiglu_backward_input");
}

} // namespace pipeops::cuda
