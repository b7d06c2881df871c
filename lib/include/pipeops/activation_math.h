// Scalar activation functions and derivatives, shared by the host and CUDA
// kernels.
#pragma once

#include <cmath>

#if defined(__CUDACC__)
#define PIPEOPS_HD __host__ __device__ inline
#else
#define PIPEOPS_HD inline
#endif

namespace pipeops::math {

// gelu(x) = 0.5 x (1 + tanh(c (x + 0.044715 x^3))), c = sqrt(2/pi)
constexpr float kGeluC = 0.7978845608028654f;

PIPEOPS_HD float gelu(float x) {
  float u = kGeluC * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + tanhf(u));
}
PIPEOPS_HD float gelu_grad(float x) {
  float u = kGeluC * (x + 0.044715f * x * x * x);
  float t = tanhf(u);
  float du = kGeluC * (1.0f + 3.0f * 0.044715f * x * x);
  return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du;
}
PIPEOPS_HD float relu(float x) { return x > 0.0f ? x : 0.0f; }
PIPEOPS_HD float relu_grad(float x) { return x > 0.0f ? 1.0f : 0.0f; }
PIPEOPS_HD float silu(float x) { return x / (1.0f + expf(-x)); }
PIPEOPS_HD float silu_grad(float x) {
  float s = 1.0f / (1.0f + expf(-x));
  return s * (1.0f + x * (1.0f - s));
}

} // namespace pipeops::math
