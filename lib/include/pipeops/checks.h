// Argument checks shared by the host and CUDA backends (they throw
// std::runtime_error).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pipeops {

/// Validates attention's head configuration; returns the head dim D / heads.
inline int64_t checkAttentionShape(const char *op, int64_t D, int64_t heads,
                                   int64_t kv_heads, bool rope) {
  auto bad = [&](const std::string &why) {
    throw std::runtime_error(std::string("pipeops::") + op + ": " + why);
  };
  if (heads < 1 || kv_heads < 1 || D % heads != 0)
    bad("dim " + std::to_string(D) + " is not divisible by heads " +
        std::to_string(heads));
  if (heads % kv_heads != 0)
    bad("heads " + std::to_string(heads) + " is not a multiple of kv_heads " +
        std::to_string(kv_heads));
  if (rope && (D / heads) % 2 != 0)
    bad("rope needs an even head dim, got " + std::to_string(D / heads));
  return D / heads;
}

} // namespace pipeops
