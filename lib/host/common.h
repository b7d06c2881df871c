// Shared pieces of the host kernels: row partitioning over the pool, bf16
// rounding and the three GEMM shapes the ops need (on the CPU BLAS).
#pragma once

#include "pipeops/backends.h"

#include <functional>
#include <string>

namespace pipeops::host {

inline const float *f32(const void *p) { return static_cast<const float *>(p); }
inline float *f32(void *p) { return static_cast<float *>(p); }

/// Runs body(begin, end) over [0, rows) in contiguous chunks on the pool (at
/// most ctx.threads threads; ctx.threads <= 0: the whole pool). The chunks
/// depend on rows and workPerRow (rough element operations per row) only, so
/// the results never depend on how many threads ran them.
void parallelRows(const Context &ctx, int64_t rows, int64_t workPerRow,
                  const std::function<void(int64_t, int64_t)> &body);
inline void parallelRows(const Context &ctx, int64_t rows,
                         const std::function<void(int64_t, int64_t)> &body) {
  parallelRows(ctx, rows, 1, body);
}

/// Round-to-nearest-even to bf16 precision, kept in a float.
float roundBF16(float x);
uint16_t toBF16Bits(float x);
float fromBF16Bits(uint16_t b);
/// Emulates bf16 storage: rounds p[0..n) when ctx.dtype is BF16.
void roundStored(const Context &ctx, float *p, int64_t n);

/// out[M,N] = a[M,K] @ b[K,N] (+ bias[N]), or += when accumulate.
void matmul(const Context &ctx, float *out, const float *a, const float *b,
            const float *bias, int64_t M, int64_t K, int64_t N,
            bool accumulate);
/// out[M,K] += a[M,N] @ b[K,N]^T.
void matmulBT(const Context &ctx, float *out, const float *a, const float *b,
              int64_t M, int64_t K, int64_t N);
/// out[K,N] += a[M,K]^T @ b[M,N].
void matmulAT(const Context &ctx, float *out, const float *a, const float *b,
              int64_t M, int64_t K, int64_t N);

[[noreturn]] void fail(const std::string &op, const std::string &message);

} // namespace pipeops::host
