// A valid relu2(a) = a * max(a, 0) for the flop-count test.
__host__ __device__ float relu2_forward(float a) {
  return a > 0.0f ? a * a : 0.0f;
}

__host__ __device__ void relu2_backward(float a, float dy, float *da) {
  *da = a > 0.0f ? 2.0f * a * dy : 0.0f;
}
