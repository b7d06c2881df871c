// The plain-loop GEMMs of reference.h (the host backend's GEMMs before the
// BLAS), kept as the oracle of the BLAS-backed ones.
#include "pipeops/reference.h"

#include <algorithm>
#include <vector>

namespace pipeops::reference {

void matmul(float *out, const float *a, const float *b, const float *bias,
            int64_t M, int64_t K, int64_t N, bool accumulate) {
  std::vector<float> row(N);
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j)
      row[j] = bias ? bias[j] : 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      float aik = a[i * K + k];
      const float *bk = b + k * N;
      for (int64_t j = 0; j < N; ++j)
        row[j] += aik * bk[j];
    }
    float *o = out + i * N;
    for (int64_t j = 0; j < N; ++j)
      o[j] = accumulate ? o[j] + row[j] : row[j];
  }
}

void matmulBT(float *out, const float *a, const float *b, int64_t M, int64_t K,
              int64_t N) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; ++k) {
      float s = 0.0f;
      for (int64_t j = 0; j < N; ++j)
        s += a[i * N + j] * b[k * N + j];
      out[i * K + k] += s;
    }
}

void matmulAT(float *out, const float *a, const float *b, int64_t M, int64_t K,
              int64_t N) {
  std::vector<float> row(N);
  for (int64_t k = 0; k < K; ++k) {
    std::fill(row.begin(), row.end(), 0.0f);
    for (int64_t m = 0; m < M; ++m) {
      float amk = a[m * K + k];
      const float *bm = b + m * N;
      for (int64_t j = 0; j < N; ++j)
        row[j] += amk * bm[j];
    }
    for (int64_t j = 0; j < N; ++j)
      out[k * N + j] += row[j];
  }
}

} // namespace pipeops::reference
