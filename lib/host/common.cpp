// Host kernel support: threads, bf16 rounding, GEMMs and the memory helpers of
// the host backend.
#include "common.h"

#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pipeops::host {

void fail(const std::string &op, const std::string &message) {
  throw std::runtime_error("pipeops::" + op + ": " + message);
}

void parallelRows(const Context &ctx, int64_t rows,
                  const std::function<void(int64_t, int64_t)> &body) {
  int64_t workers = std::max<int64_t>(1, std::min<int64_t>(ctx.threads, rows));
  if (workers == 1) {
    body(0, rows);
    return;
  }
  std::vector<std::thread> pool;
  int64_t chunk = (rows + workers - 1) / workers;
  for (int64_t w = 1; w < workers; ++w) {
    int64_t begin = w * chunk, end = std::min(rows, begin + chunk);
    if (begin < end)
      pool.emplace_back(body, begin, end);
  }
  body(0, std::min(rows, chunk));
  for (auto &t : pool)
    t.join();
}

uint16_t toBF16Bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7f800000u) == 0x7f800000u &&
      (u & 0x7fffffu)) // NaN stays a (quiet) NaN
    return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

float fromBF16Bits(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

float roundBF16(float x) { return fromBF16Bits(toBF16Bits(x)); }

void roundStored(const Context &ctx, float *p, int64_t n) {
  if (ctx.dtype != DType::BF16)
    return;
  for (int64_t i = 0; i < n; ++i)
    p[i] = roundBF16(p[i]);
}

void matmul(const Context &ctx, float *out, const float *a, const float *b,
            const float *bias, int64_t M, int64_t K, int64_t N,
            bool accumulate) {
  parallelRows(ctx, M, [&](int64_t r0, int64_t r1) {
    std::vector<float> row(N);
    for (int64_t i = r0; i < r1; ++i) {
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
  });
}

void matmulBT(const Context &ctx, float *out, const float *a, const float *b,
              int64_t M, int64_t K, int64_t N) {
  parallelRows(ctx, M, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i)
      for (int64_t k = 0; k < K; ++k) {
        float s = 0.0f;
        for (int64_t j = 0; j < N; ++j)
          s += a[i * N + j] * b[k * N + j];
        out[i * K + k] += s;
      }
  });
}

void matmulAT(const Context &ctx, float *out, const float *a, const float *b,
              int64_t M, int64_t K, int64_t N) {
  parallelRows(ctx, K, [&](int64_t k0, int64_t k1) {
    std::vector<float> row(N);
    for (int64_t k = k0; k < k1; ++k) {
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
  });
}

void cast_f32_to_bf16(const Context &, uint16_t *dst, const float *src,
                      int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = toBF16Bits(src[i]);
}

void cast_bf16_to_f32(const Context &, float *dst, const uint16_t *src,
                      int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = fromBF16Bits(src[i]);
}

// Host storage is always f32 (see ops.h), so these are copies.
void to_storage(const Context &, void *dst, const float *src, int64_t n) {
  std::memmove(dst, src, n * sizeof(float));
}

void from_storage(const Context &, float *dst, const void *src, int64_t n) {
  std::memmove(dst, src, n * sizeof(float));
}

void fill_zero(const Context &, void *ptr, size_t bytes) {
  std::memset(ptr, 0, bytes);
}

void copy_bytes(const Context &, void *dst, const void *src, size_t bytes) {
  std::memmove(dst, src, bytes);
}

} // namespace pipeops::host
