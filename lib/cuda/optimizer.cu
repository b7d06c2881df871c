// CUDA multi-tensor optimizers: one launch updates up to kTensorsPerLaunch f32
// tensors (AdamW with decoupled weight decay, SGD with momentum), elementwise
// so deterministic.
#include "common.cuh"

#include <algorithm>
#include <cmath>

namespace pipeops::cuda {

namespace {
constexpr int kTensorsPerLaunch = 24;
struct TensorBatch {
  float *p[kTensorsPerLaunch];
  const float *g[kTensorsPerLaunch];
  float *m[kTensorsPerLaunch];
  float *v[kTensorsPerLaunch];
  int64_t n[kTensorsPerLaunch];
};
constexpr unsigned kBlocksPerTensor = 256;

__global__ void adamwKernel(TensorBatch b, float lr, float beta1, float beta2,
                            float eps, float wd, float c1, float c2) {
  int t = blockIdx.y;
  float *p = b.p[t], *m = b.m[t], *v = b.v[t];
  const float *g = b.g[t];
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < b.n[t];
       i += int64_t(gridDim.x) * blockDim.x) {
    float pi = p[i] - lr * wd * p[i];
    float mi = beta1 * m[i] + (1.0f - beta1) * g[i];
    float vi = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - lr * (mi / c1) / (sqrtf(vi / c2) + eps);
  }
}

__global__ void sgdKernel(TensorBatch b, float lr, float momentum) {
  int t = blockIdx.y;
  float *p = b.p[t], *buf = b.m[t];
  const float *g = b.g[t];
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < b.n[t];
       i += int64_t(gridDim.x) * blockDim.x) {
    float d = g[i];
    if (buf) {
      d = momentum * buf[i] + g[i];
      buf[i] = d;
    }
    p[i] -= lr * d;
  }
}

/// Calls launch(batch, tensorsInBatch) for consecutive groups of tensors.
template <typename Launch>
void forEachBatch(int count, float *const *params, const float *const *grads,
                  float *const *m, float *const *v, const int64_t *sizes,
                  Launch launch) {
  for (int first = 0; first < count; first += kTensorsPerLaunch) {
    TensorBatch b{};
    int k = 0;
    for (; k < kTensorsPerLaunch && first + k < count; ++k) {
      b.p[k] = params[first + k];
      b.g[k] = grads[first + k];
      b.m[k] = m ? m[first + k] : nullptr;
      b.v[k] = v ? v[first + k] : nullptr;
      b.n[k] = sizes[first + k];
    }
    launch(b, k);
  }
}
} // namespace

void adamw_step(const Context &ctx, const AdamW &opt, int step,
                float *const *params, const float *const *grads,
                float *const *m, float *const *v, const int64_t *sizes,
                int count) {
  if (step < 1)
    fail("adamw_step", "step must be >= 1 (it is 1-based for bias correction)");
  float c1 = 1.0f - std::pow(opt.beta1, static_cast<float>(step));
  float c2 = 1.0f - std::pow(opt.beta2, static_cast<float>(step));
  forEachBatch(
      count, params, grads, m, v, sizes, [&](const TensorBatch &b, int k) {
        adamwKernel<<<dim3(kBlocksPerTensor, k), kThreads, 0, streamOf(ctx)>>>(
            b, opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weight_decay, c1, c2);
        PIPEOPS_CHECK_LAUNCH("adamw_step");
      });
}

void sgd_step(const Context &ctx, float lr, float momentum,
              float *const *params, const float *const *grads,
              float *const *velocity, const int64_t *sizes, int count) {
  if (momentum != 0.0f && !velocity)
    fail("sgd_step", "momentum needs velocity buffers");
  forEachBatch(
      count, params, grads, momentum != 0.0f ? velocity : nullptr, nullptr,
      sizes, [&](const TensorBatch &b, int k) {
        sgdKernel<<<dim3(kBlocksPerTensor, k), kThreads, 0, streamOf(ctx)>>>(
            b, lr, momentum);
        PIPEOPS_CHECK_LAUNCH("sgd_step");
      });
}

namespace {
constexpr int kSumThreads = 256;
struct SumBatch {
  const float *x[kTensorsPerLaunch];
  int64_t n[kTensorsPerLaunch];
};

/// One block per tensor: each thread sums a strided share in double, then a
/// fixed-shape tree in shared memory, so the result is the same on every run.
__global__ void sumSquaresKernel(float *out, SumBatch b) {
  __shared__ double partial[kSumThreads];
  const float *x = b.x[blockIdx.x];
  int64_t n = b.n[blockIdx.x];
  double s = 0;
  for (int64_t i = threadIdx.x; i < n; i += kSumThreads)
    s += static_cast<double>(x[i]) * x[i];
  partial[threadIdx.x] = s;
  __syncthreads();
  for (int half = kSumThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half)
      partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0)
    out[blockIdx.x] = static_cast<float>(partial[0]);
}

__global__ void scaleKernel(float *x, float factor, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    x[i] *= factor;
}
} // namespace

void sum_squares(const Context &ctx, float *out, const float *const *tensors,
                 const int64_t *sizes, int count) {
  for (int first = 0; first < count; first += kTensorsPerLaunch) {
    int k = std::min(kTensorsPerLaunch, count - first);
    SumBatch b{};
    for (int i = 0; i < k; ++i) {
      b.x[i] = tensors[first + i];
      b.n[i] = sizes[first + i];
    }
    sumSquaresKernel<<<k, kSumThreads, 0, streamOf(ctx)>>>(out + first, b);
    PIPEOPS_CHECK_LAUNCH("sum_squares");
  }
}

void scale_floats(const Context &ctx, float *x, float factor, int64_t n) {
  if (n <= 0)
    return;
  scaleKernel<<<kBlocksPerTensor, kThreads, 0, streamOf(ctx)>>>(x, factor, n);
  PIPEOPS_CHECK_LAUNCH("scale_floats");
}

} // namespace pipeops::cuda
