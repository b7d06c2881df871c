// The extern op valid-forms.pipe declares (every --emit checks its file):
// swiglu(a, b) = silu(a) * b as the __host__ __device__ functions it names.
#include <math.h>

__host__ __device__ inline float swiglu_sigmoid(float a) {
  return 1.0f / (1.0f + expf(-a));
}

__host__ __device__ float swiglu_forward(float a, float b) {
  return a * swiglu_sigmoid(a) * b;
}

// silu'(a) = s (1 + a (1 - s)) with s = sigmoid(a); d/db = silu(a).
__host__ __device__ void swiglu_backward(float a, float b, float dy, float *da,
                                         float *db) {
  float s = swiglu_sigmoid(a);
  *da = dy * b * s * (1.0f + a * (1.0f - s));
  *db = dy * a * s;
}
