// What the fused host attention and its reference kernel share: the shape
// with its checked head sizes, and the RoPE rotation.
#ifndef PIPEOPS_HOST_ATTENTION_SHAPE_H
#define PIPEOPS_HOST_ATTENTION_SHAPE_H

#include "pipeops/checks.h"

#include <cmath>
#include <cstdint>

namespace pipeops::host {

struct AttentionShape {
  int64_t B, S, D, H, KVH, hd, Dkv, group;
  float scale;
  AttentionShape(const char *op, int64_t B, int64_t S, int64_t D, int64_t H,
                 int64_t KVH, bool rope)
      : B(B), S(S), D(D), H(H), KVH(KVH),
        hd(checkAttentionShape(op, D, H, KVH, rope)), Dkv(hd * KVH),
        group(H / KVH), scale(1.0f / std::sqrt(static_cast<float>(hd))) {}
  /// Offset of row s of head h in batch b in a [B, H, S, hd] tensor.
  int64_t at(int64_t b, int64_t h, int64_t s) const {
    return ((b * H + h) * S + s) * hd;
  }
};

/// Rotates the pairs (2i, 2i+1) of v[hd] by sign * s * 10000^(-2i/hd) (angles
/// in double so the host and CUDA kernels agree at long positions).
inline void rotateRoPE(float *v, int64_t hd, int64_t pos, double sign) {
  for (int64_t i = 0; i < hd / 2; ++i) {
    double theta = sign * pos * std::pow(10000.0, -2.0 * i / hd);
    float c = static_cast<float>(std::cos(theta)),
          s = static_cast<float>(std::sin(theta));
    float a = v[2 * i], b = v[2 * i + 1];
    v[2 * i] = a * c - b * s;
    v[2 * i + 1] = a * s + b * c;
  }
}

} // namespace pipeops::host

#endif // PIPEOPS_HOST_ATTENTION_SHAPE_H
