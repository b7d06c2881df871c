// Shared pieces of the host reference kernels: row partitioning over threads,
// bf16 rounding and the three small GEMM shapes the ops need.
#pragma once

#include "pipeops/backends.h"

#include <functional>
#include <string>

namespace pipeops::host {

inline const float *f32(const void *p) { return static_cast<const float *>(p); }
inline float *f32(void *p) { return static_cast<float *>(p); }

/// Runs body(begin, end) over [0, rows) split into ctx.threads fixed contiguous
/// chunks.
void parallelRows(const Context &ctx, int64_t rows,
                  const std::function<void(int64_t, int64_t)> &body);

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
/// out[K,N] += a[M,K]^T @ b[M,N]; each output row is summed over m in order.
void matmulAT(const Context &ctx, float *out, const float *a, const float *b,
              int64_t M, int64_t K, int64_t N);

[[noreturn]] void fail(const std::string &op, const std::string &message);

} // namespace pipeops::host
