// CUDA losses: cross entropy with softmax, loss and gradient fused per row (one
// block per row), and mean squared error; means are fixed-order single-block
// reductions.
#include "common.cuh"

#include <string>

namespace pipeops::cuda {

namespace {
void checkTargets(const char *op, const Context &ctx, const int32_t *targets,
                  int64_t M, int64_t V) {
  std::vector<int32_t> host = copyToHost(ctx, targets, M, op);
  for (int64_t i = 0; i < M; ++i)
    if (host[i] < 0 || host[i] >= V)
      fail(op, "target " + std::to_string(host[i]) + " at row " +
                   std::to_string(i) + " is outside [0, " + std::to_string(V) +
                   ")");
}

constexpr int kLossThreads = 1024;

template <typename T>
__global__ void ceRows(float *rowLoss, float *lse, const T *logits,
                       const int32_t *targets, int64_t V) {
  __shared__ float shared[32];
  const T *z = logits + blockIdx.x * V;
  float mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < V; j += blockDim.x)
    mx = fmaxf(mx, load(z, j));
  mx = blockMax(mx, shared);
  float s = 0.0f;
  for (int64_t j = threadIdx.x; j < V; j += blockDim.x)
    s += expf(load(z, j) - mx);
  s = blockSum(s, shared);
  if (threadIdx.x == 0) {
    float l = mx + logf(s);
    lse[blockIdx.x] = l;
    rowLoss[blockIdx.x] = l - load(z, targets[blockIdx.x]);
  }
}

/// *out = sum(x[0..n)) * scale, one block, fixed order.
__global__ void meanKernel(float *out, const float *x, int64_t n, float scale) {
  __shared__ float shared[32];
  float s = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
    s += x[i];
  s = blockSum(s, shared);
  if (threadIdx.x == 0)
    *out = s * scale;
}

template <typename T>
__global__ void ceBackward(T *dlogits, const T *logits, const int32_t *targets,
                           const float *lse, int64_t V, float scale) {
  int64_t i = blockIdx.x;
  int32_t t = targets[i];
  for (int64_t j = blockIdx.y * int64_t(blockDim.x) + threadIdx.x; j < V;
       j += int64_t(gridDim.y) * blockDim.x) {
    float p = expf(load(logits, i * V + j) - lse[i]);
    store(dlogits, i * V + j,
          load(dlogits, i * V + j) + scale * (p - (j == t ? 1.0f : 0.0f)));
  }
}

template <typename T>
__global__ void mseSum(float *out, const T *pred, const T *target, int64_t n,
                       float scale) {
  __shared__ float shared[32];
  float s = 0.0f;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    float d = load(pred, i) - load(target, i);
    s += d * d;
  }
  s = blockSum(s, shared);
  if (threadIdx.x == 0)
    *out = s * scale;
}

template <typename T>
__global__ void mseBackward(T *dpred, const T *pred, const T *target, int64_t n,
                            float scale) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    store(dpred, i, load(dpred, i) + scale * (load(pred, i) - load(target, i)));
}
} // namespace

void cross_entropy_forward(const Context &ctx, float *loss, float *saved,
                           const void *logits, const int32_t *targets,
                           int64_t M, int64_t V) {
  const char *op = "cross_entropy_forward";
  checkTargets(op, ctx, targets, M, V);
  if (M <= 0)
    return;
  Scratch rowLoss(ctx, sizeof(float) * M, op);
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    ceRows<<<M, kLossThreads, 0, streamOf(ctx)>>>(
        rowLoss.as<float>(), saved, static_cast<const T *>(logits), targets, V);
  });
  PIPEOPS_CHECK_LAUNCH(op);
  meanKernel<<<1, kLossThreads, 0, streamOf(ctx)>>>(loss, rowLoss.as<float>(),
                                                    M, 1.0f / M);
  PIPEOPS_CHECK_LAUNCH(op);
}

void cross_entropy_backward_input(const Context &ctx, void *dlogits,
                                  float dloss, const void *logits,
                                  const int32_t *targets, const float *saved,
                                  int64_t M, int64_t V) {
  const char *op = "cross_entropy_backward_input";
  checkTargets(op, ctx, targets, M, V);
  if (M <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    dim3 grid(M, gridFor(V) < 64 ? gridFor(V) : 64);
    ceBackward<<<grid, kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(dlogits), static_cast<const T *>(logits), targets,
        saved, V, dloss / M);
  });
  PIPEOPS_CHECK_LAUNCH(op);
}

void mse_forward(const Context &ctx, float *loss, const void *pred,
                 const void *target, int64_t n) {
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    mseSum<<<1, kLossThreads, 0, streamOf(ctx)>>>(
        loss, static_cast<const T *>(pred), static_cast<const T *>(target), n,
        n > 0 ? 1.0f / n : 0.0f);
  });
  PIPEOPS_CHECK_LAUNCH("mse_forward");
}

void mse_backward_input(const Context &ctx, void *dpred, float dloss,
                        const void *pred, const void *target, int64_t n) {
  if (n <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    mseBackward<<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(dpred), static_cast<const T *>(pred),
        static_cast<const T *>(target), n, 2.0f * dloss / n);
  });
  PIPEOPS_CHECK_LAUNCH("mse_backward_input");
}

} // namespace pipeops::cuda
