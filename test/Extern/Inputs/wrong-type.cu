// A double input, a const gradient pointer and an int result: each reported.
__host__ __device__ float swiglu_forward(float a, double b) { return a * b; }

__host__ __device__ int swiglu_backward(float a, float b, float dy, float *da,
                                        const float *db) {
  *da = dy * b;
  return 0;
}
