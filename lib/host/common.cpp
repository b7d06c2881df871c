// Host kernel support: row partitioning, bf16 rounding and the memory helpers
// of the host backend.
#include "common.h"
#include "pool.h"
#include "vecmath.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace pipeops::host {

void fail(const std::string &op, const std::string &message) {
  throw std::runtime_error("pipeops::" + op + ": " + message);
}

void parallelRows(const Context &ctx, int64_t rows, int64_t workPerRow,
                  const std::function<void(int64_t, int64_t)> &body) {
  // About 32k element operations (10-30 us) per chunk, at most 64 chunks.
  constexpr int64_t kChunkWork = 1 << 15, kMaxChunks = 64;
  if (rows <= 0)
    return;
  int64_t work = rows * std::max<int64_t>(1, workPerRow);
  int64_t chunks = std::clamp<int64_t>(work / kChunkWork, 1, kMaxChunks);
  chunks = std::min(chunks, rows);
  if (chunks == 1) {
    body(0, rows);
    return;
  }
  int64_t per = (rows + chunks - 1) / chunks;
  chunks = (rows + per - 1) / per;
  runChunks(ctx.threads, chunks,
            [&](int64_t c) { body(c * per, std::min(rows, (c + 1) * per)); });
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

namespace {
PIPEOPS_VECTOR_CLONES
void roundRange(float *p, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    p[i] = vroundBF16(p[i]);
}
} // namespace

void roundStored(const Context &ctx, float *p, int64_t n) {
  if (ctx.dtype == DType::BF16)
    roundRange(p, n);
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

// The runtime zeroes every gradient once a step, while a pipeline's other
// ranks may idle: split it like any other loop so their cores help.
void fill_zero(const Context &ctx, void *ptr, size_t bytes) {
  constexpr int64_t kPieceBytes = 1 << 16;
  auto *p = static_cast<char *>(ptr);
  int64_t n = static_cast<int64_t>(bytes);
  parallelRows(ctx, (n + kPieceBytes - 1) / kPieceBytes, kPieceBytes / 16,
               [&](int64_t b0, int64_t b1) {
                 int64_t lo = b0 * kPieceBytes;
                 std::memset(p + lo, 0, std::min(n, b1 * kPieceBytes) - lo);
               });
}

void add_f32(const Context &ctx, float *dst, const float *src, int64_t n) {
  parallelRows(ctx, n, 1, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      dst[i] += src[i];
  });
}

void copy_bytes(const Context &, void *dst, const void *src, size_t bytes) {
  std::memmove(dst, src, bytes);
}

} // namespace pipeops::host
