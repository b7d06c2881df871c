// Plain-loop reference kernels of the host backend: single-threaded, no BLAS,
// written for clarity. The tests compare the fast host kernels against them.
#pragma once

#include <cstdint>

namespace pipeops::reference {

/// out[M,N] = a[M,K] @ b[K,N] (+ bias[N]), or += when accumulate; each output
/// is bias + sum over k in order.
void matmul(float *out, const float *a, const float *b, const float *bias,
            int64_t M, int64_t K, int64_t N, bool accumulate);
/// out[M,K] += a[M,N] @ b[K,N]^T.
void matmulBT(float *out, const float *a, const float *b, int64_t M, int64_t K,
              int64_t N);
/// out[K,N] += a[M,K]^T @ b[M,N]; each output summed over m in order.
void matmulAT(float *out, const float *a, const float *b, int64_t M, int64_t K,
              int64_t N);

} // namespace pipeops::reference
