// gating_forward takes one input where the extern op has two.
__host__ __device__ float gating_forward(float a) { return a; }

__host__ __device__ void gating_backward(float a, float b, float dy, float *da,
                                         float *db) {
  *da = dy * b;
  *db = dy * a;
}
