// A missing semicolon and an undeclared name: Clang's errors, in this file.
__host__ __device__ float gating_forward(float a, float b) {
  float s = a * b
  return s;
}

__host__ __device__ void gating_backward(float a, float b, float dy, float *da,
                                         float *db) {
  *da = dy * bb;
  *db = dy * a;
}
