// The extern op valid-forms.pipe declares (every --emit checks its file):
// gating(a, b) = silu(a) * b as the __host__ __device__ functions it names.
#include <math.h>

__host__ __device__ inline float gating_sigmoid(float a) {
  return 1.0f / (1.0f + expf(-a));
}

__host__ __device__ float gating_forward(float a, float b) {
  return a * gating_sigmoid(a) * b;
}

// silu'(a) = s (1 + a (1 - s)) with s = sigmoid(a); d/db = silu(a).
__host__ __device__ void gating_backward(float a, float b, float dy, float *da,
                                         float *db) {
  float s = gating_sigmoid(a);
  *da = dy * b * s * (1.0f + a * (1.0f - s));
  *db = dy * a * s;
}
