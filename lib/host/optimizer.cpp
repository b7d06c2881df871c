// Host optimizers over many f32 tensors: AdamW (decoupled weight decay) and SGD
// with or without momentum. One multi-tensor step: every tensor is cut into
// fixed-size pieces and all pieces of all tensors go to the pool as one job, so
// the many small tensors (biases, norms) neither run one by one nor pay one
// pool round trip each.
#include "common.h"
#include "pool.h"
#include "vecmath.h"

#include <cmath>
#include <vector>

namespace pipeops::host {

namespace {
// Elements per piece: ~10-20 us of AdamW, and a multiple of every vector
// width. Pieces depend on the sizes alone, and every element is updated on
// its own, so results never depend on the threads.
constexpr int64_t kPiece = 1 << 14;

struct Piece {
  int tensor;
  int64_t begin, end;
};

std::vector<Piece> cutPieces(const int64_t *sizes, int count) {
  std::vector<Piece> pieces;
  for (int t = 0; t < count; ++t)
    for (int64_t b = 0; b < sizes[t]; b += kPiece)
      pieces.push_back({t, b, std::min(sizes[t], b + kPiece)});
  return pieces;
}

template <typename Fn>
void forPieces(const Context &ctx, const int64_t *sizes, int count,
               const Fn &fn) {
  std::vector<Piece> pieces = cutPieces(sizes, count);
  runChunks(ctx.threads, static_cast<int64_t>(pieces.size()), [&](int64_t c) {
    const Piece &p = pieces[c];
    fn(p.tensor, p.begin, p.end - p.begin);
  });
}

// The statements are ops.def's formulas in its order, so every rank and
// strategy (and the reference kernel on the same instruction set) gets the
// same bits.
PIPEOPS_VECTOR_CLONES
void adamwRange(float *__restrict p, const float *__restrict g,
                float *__restrict m, float *__restrict v, int64_t n, float lr,
                float decay, float b1, float b2, float c1, float c2,
                float eps) {
  for (int64_t i = 0; i < n; ++i) {
    float pi = p[i];
    pi -= lr * decay * pi;
    float mi = b1 * m[i] + (1.0f - b1) * g[i];
    float vi = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    pi -= lr * (mi / c1) / (std::sqrt(vi / c2) + eps);
    p[i] = pi;
  }
}

PIPEOPS_VECTOR_CLONES
void sgdRange(float *__restrict p, const float *__restrict g, int64_t n,
              float lr) {
  for (int64_t i = 0; i < n; ++i)
    p[i] -= lr * g[i];
}

PIPEOPS_VECTOR_CLONES
void sgdMomentumRange(float *__restrict p, const float *__restrict g,
                      float *__restrict buf, int64_t n, float lr,
                      float momentum) {
  for (int64_t i = 0; i < n; ++i) {
    float b = momentum * buf[i] + g[i];
    buf[i] = b;
    p[i] -= lr * b;
  }
}
} // namespace

void adamw_step(const Context &ctx, const AdamW &opt, int step,
                float *const *params, const float *const *grads,
                float *const *m, float *const *v, const int64_t *sizes,
                int count) {
  if (step < 1)
    fail("adamw_step", "step must be >= 1 (it is 1-based for bias correction)");
  float c1 = 1.0f - std::pow(opt.beta1, static_cast<float>(step));
  float c2 = 1.0f - std::pow(opt.beta2, static_cast<float>(step));
  forPieces(ctx, sizes, count, [&](int t, int64_t b, int64_t n) {
    adamwRange(params[t] + b, grads[t] + b, m[t] + b, v[t] + b, n, opt.lr,
               opt.weight_decay, opt.beta1, opt.beta2, c1, c2, opt.eps);
  });
}

void sgd_step(const Context &ctx, float lr, float momentum,
              float *const *params, const float *const *grads,
              float *const *velocity, const int64_t *sizes, int count) {
  if (momentum != 0.0f && !velocity)
    fail("sgd_step", "momentum needs velocity buffers");
  forPieces(ctx, sizes, count, [&](int t, int64_t b, int64_t n) {
    if (momentum != 0.0f)
      sgdMomentumRange(params[t] + b, grads[t] + b, velocity[t] + b, n, lr,
                       momentum);
    else
      sgdRange(params[t] + b, grads[t] + b, n, lr);
  });
}

// One sequential double sum per tensor: a clipping norm must not depend on the
// pool's threads.
void sum_squares(const Context &, float *out, const float *const *tensors,
                 const int64_t *sizes, int count) {
  for (int t = 0; t < count; ++t) {
    double s = 0;
    for (int64_t i = 0; i < sizes[t]; ++i)
      s += static_cast<double>(tensors[t][i]) * tensors[t][i];
    out[t] = static_cast<float>(s);
  }
}

void scale_floats(const Context &, float *x, float factor, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    x[i] *= factor;
}

} // namespace pipeops::host
