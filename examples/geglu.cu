// geglu.cu: the GEGLU gate of geglu-llama.pipe, geglu(a, b) = gelu(a) * b
// with GELU's tanh approximation, as the __host__ __device__ functions an
// `extern op geglu(a, b)` names.
#include <math.h>

// gelu(a) = 0.5 a (1 + tanh(u)), u = sqrt(2/pi) (a + 0.044715 a^3)
__host__ __device__ inline float geglu_tanh_u(float a) {
  return tanhf(0.7978845608f * (a + 0.044715f * a * a * a));
}

__host__ __device__ float geglu_forward(float a, float b) {
  return 0.5f * a * (1.0f + geglu_tanh_u(a)) * b;
}

// gelu'(a) = 0.5 (1 + t) + 0.5 a (1 - t^2) du/da, du/da = sqrt(2/pi) (1 +
// 3 * 0.044715 a^2); d/db = gelu(a).
__host__ __device__ void geglu_backward(float a, float b, float dy, float *da,
                                        float *db) {
  float t = geglu_tanh_u(a);
  float du = 0.7978845608f * (1.0f + 0.134145f * a * a);
  float grad = 0.5f * (1.0f + t) + 0.5f * a * (1.0f - t * t) * du;
  *da = dy * b * grad;
  *db = dy * 0.5f * a * (1.0f + t);
}
