// A double input, a const gradient pointer and an int result: each reported.
__host__ __device__ float gating_forward(float a, double b) { return a * b; }

__host__ __device__ int gating_backward(float a, float b, float dy, float *da,
                                        const float *db) {
  *da = dy * b;
  return 0;
}
