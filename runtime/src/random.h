// Counter-based random numbers: values depend only on (key, counter), never on
// call order, so parameters and synthetic samples are the same under every
// strategy and thread layout.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace pipert {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// FNV-1a, 64 bit.
inline uint64_t hashBytes(const void *data, size_t n,
                          uint64_t h = 0xcbf29ce484222325ull) {
  const unsigned char *p = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < n; ++i)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}
inline uint64_t hashString(const std::string &s) {
  return hashBytes(s.data(), s.size());
}

/// The i-th random 64-bit word of stream `key`.
inline uint64_t randomBits(uint64_t key, uint64_t i) {
  return splitmix64(key ^ splitmix64(i));
}
/// Uniform in (0, 1].
inline double uniformOpen(uint64_t bits) {
  return ((bits >> 11) + 1) * 0x1.0p-53;
}
/// Uniform integer in [0, n), n < 2^32.
inline int64_t uniformBelow(uint64_t bits, int64_t n) {
  return static_cast<int64_t>(((bits >> 32) * static_cast<uint64_t>(n)) >> 32);
}
/// Standard normal number i of stream `key` (Box-Muller over the pair i/2).
inline float normalAt(uint64_t key, uint64_t i) {
  uint64_t pair = i / 2;
  double u1 = uniformOpen(randomBits(key, 2 * pair));
  double u2 = uniformOpen(randomBits(key, 2 * pair + 1));
  double r = std::sqrt(-2.0 * std::log(u1));
  double a = 6.283185307179586 * u2;
  return static_cast<float>(i % 2 == 0 ? r * std::cos(a) : r * std::sin(a));
}

} // namespace pipert
