// Host token (+ learned positional) embedding: forward gather and
// weight-gradient scatter.
#include "common.h"

#include <string>

namespace pipeops::host {

namespace {
void checkIds(const char *op, const int32_t *ids, int64_t M, int64_t V) {
  for (int64_t i = 0; i < M; ++i)
    if (ids[i] < 0 || ids[i] >= V)
      fail(op, "token id " + std::to_string(ids[i]) + " at row " +
                   std::to_string(i) + " is outside the vocabulary [0, " +
                   std::to_string(V) + ")");
}
} // namespace

void embedding_forward(const Context &ctx, void *out, const int32_t *ids,
                       const void *wte, const void *wpe, int64_t M, int64_t S,
                       int64_t V, int64_t D) {
  checkIds("embedding_forward", ids, M, V);
  const float *te = f32(wte), *pe = f32(wpe);
  float *y = f32(out);
  parallelRows(ctx, M, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i)
      for (int64_t d = 0; d < D; ++d)
        y[i * D + d] = te[ids[i] * D + d] + (pe ? pe[(i % S) * D + d] : 0.0f);
  });
  roundStored(ctx, y, M * D);
}

// Rows are scattered in increasing token order by one thread: deterministic,
// and cheap next to the GEMMs around it.
void embedding_backward_weight(const Context &, float *dwte, float *dwpe,
                               const void *dout, const int32_t *ids, int64_t M,
                               int64_t S, int64_t V, int64_t D) {
  checkIds("embedding_backward_weight", ids, M, V);
  const float *g = f32(dout);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t d = 0; d < D; ++d) {
      dwte[ids[i] * D + d] += g[i * D + d];
      if (dwpe)
        dwpe[(i % S) * D + d] += g[i * D + d];
    }
}

} // namespace pipeops::host
