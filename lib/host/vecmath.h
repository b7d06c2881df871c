// Branch-free exp and tanh that compilers vectorise (libm's calls stop loop
// vectorisation), and the x86 clones hot host loops are compiled into.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

// Hot loops are compiled for AVX-512 and AVX2+FMA as well as baseline x86-64
// and picked at load time (ifunc), so the committed build stays portable
// without -march. Elsewhere (or under sanitizers) plain functions.
#if defined(__x86_64__) && defined(__ELF__) && !defined(__SANITIZE_ADDRESS__)
#define PIPEOPS_VECTOR_CLONES                                                  \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PIPEOPS_VECTOR_CLONES
#endif

namespace pipeops::host {

/// e^x within ~2 ulp (Cephes' expf: x = n ln2 + r, |r| <= ln2/2, a degree-6
/// polynomial for e^r, 2^n by exponent bits). Inputs below -87.3 give
/// ~1e-38 rather than 0, which no sum of probabilities can tell apart.
inline float vexp(float x) {
  x = std::min(std::max(x, -87.3f), 88.3f);
  // Round x / ln2 to nearest by the 1.5 * 2^23 trick (vectorises without
  // SSE4.1's round).
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return y * scale;
}

/// roundBF16 (common.h) with a select instead of a branch for NaN, so loops
/// that round to bf16 storage vectorise; the same bits for every input.
inline float vroundBF16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof(u));
  uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  uint32_t quietNaN = (u & 0xffff0000u) | 0x00400000u;
  u = (u & 0x7fffffffu) > 0x7f800000u ? quietNaN : rounded;
  std::memcpy(&x, &u, sizeof(x));
  return x;
}

/// tanh(u) = 1 - 2 / (e^{2u} + 1): absolute error ~1e-7, which is what gelu's
/// 1 + tanh needs.
inline float vtanh(float u) { return 1.0f - 2.0f / (vexp(2.0f * u) + 1.0f); }

} // namespace pipeops::host

namespace pipeops::host {

/// sum of f(i) for i in [0, n) in 16 interleaved partial sums combined by a
/// fixed tree: vectorises (a plain float sum cannot be reordered) and gives
/// the same value every run.
template <typename F> inline float laneSum(int64_t n, F f) {
  constexpr int kLanes = 16;
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l)
      acc[l] += f(i + l);
  float tail = 0.0f;
  for (; i < n; ++i)
    tail += f(i);
  for (int w = kLanes / 2; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l)
      acc[l] += acc[l + w];
  return acc[0] + tail;
}

} // namespace pipeops::host
