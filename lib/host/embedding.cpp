// Host token (+ learned positional) embedding: forward gather and
// weight-gradient scatter, both split over the pool with row loops the
// compiler vectorises.
#include "common.h"
#include "vecmath.h"

#include <algorithm>
#include <string>
#include <vector>

namespace pipeops::host {

namespace {
void checkIds(const char *op, const int32_t *ids, int64_t M, int64_t V) {
  for (int64_t i = 0; i < M; ++i)
    if (ids[i] < 0 || ids[i] >= V)
      fail(op, "token id " + std::to_string(ids[i]) + " at row " +
                   std::to_string(i) + " is outside the vocabulary [0, " +
                   std::to_string(V) + ")");
}

// Rows [r0, r1) of the forward; bf16 rounding is fused into the same pass
// (vroundBF16 gives roundBF16's bits).
PIPEOPS_VECTOR_CLONES
void gatherRows(float *__restrict y, const int32_t *ids,
                const float *__restrict te, const float *__restrict pe,
                int64_t r0, int64_t r1, int64_t S, int64_t D, bool bf16) {
  for (int64_t i = r0; i < r1; ++i) {
    float *__restrict out = y + i * D;
    const float *__restrict t = te + ids[i] * D;
    if (pe) {
      const float *__restrict p = pe + (i % S) * D;
      for (int64_t d = 0; d < D; ++d)
        out[d] = t[d] + p[d];
    } else {
      for (int64_t d = 0; d < D; ++d)
        out[d] = t[d];
    }
    if (bf16)
      for (int64_t d = 0; d < D; ++d)
        out[d] = vroundBF16(out[d]);
  }
}

// dw[row(j)] += g[src[j]] for j in [j0, j1), in that order.
PIPEOPS_VECTOR_CLONES
void scatterRows(float *__restrict dw, const float *__restrict g,
                 const int64_t *src, int64_t j0, int64_t j1, int64_t D) {
  for (int64_t j = j0; j < j1; ++j) {
    const float *__restrict row = g + src[j] * D;
    for (int64_t d = 0; d < D; ++d)
      dw[d] += row[d];
  }
}
} // namespace

void embedding_forward(const Context &ctx, void *out, const int32_t *ids,
                       const void *wte, const void *wpe, int64_t M, int64_t S,
                       int64_t V, int64_t D) {
  checkIds("embedding_forward", ids, M, V);
  const float *te = f32(wte), *pe = f32(wpe);
  float *y = f32(out);
  bool bf16 = ctx.dtype == DType::BF16;
  parallelRows(ctx, M, D, [&](int64_t r0, int64_t r1) {
    gatherRows(y, ids, te, pe, r0, r1, S, D, bf16);
  });
}

// Every gradient row is summed over its token's rows in increasing row order,
// the order of one thread walking the rows: deterministic and the reference
// loop's bits. Threads own disjoint vocabulary (and position) rows, found by a
// stable counting sort of the rows by token.
void embedding_backward_weight(const Context &ctx, float *dwte, float *dwpe,
                               const void *dout, const int32_t *ids, int64_t M,
                               int64_t S, int64_t V, int64_t D) {
  checkIds("embedding_backward_weight", ids, M, V);
  const float *g = f32(dout);
  std::vector<int64_t> start(V + 1, 0), rows(M);
  for (int64_t i = 0; i < M; ++i)
    ++start[ids[i] + 1];
  for (int64_t v = 0; v < V; ++v)
    start[v + 1] += start[v];
  {
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t i = 0; i < M; ++i)
      rows[fill[ids[i]]++] = i;
  }
  // Work per vocabulary row: its share of the M rows, at least a pass over
  // its start entry.
  parallelRows(ctx, V, std::max<int64_t>(1, M * D / std::max<int64_t>(1, V)),
               [&](int64_t v0, int64_t v1) {
                 for (int64_t v = v0; v < v1; ++v)
                   scatterRows(dwte + v * D, g, rows.data(), start[v],
                               start[v + 1], D);
               });
  if (!dwpe || S <= 0)
    return;
  // Position s gets rows s, s + S, s + 2S, ...: the same order as above.
  int64_t perPos = (M + S - 1) / S;
  parallelRows(ctx, S, perPos * D, [&](int64_t s0, int64_t s1) {
    std::vector<int64_t> src;
    src.reserve(perPos);
    for (int64_t s = s0; s < s1; ++s) {
      src.clear();
      for (int64_t i = s; i < M; i += S)
        src.push_back(i);
      scatterRows(dwpe + s * D, g, src.data(), 0,
                  static_cast<int64_t>(src.size()), D);
    }
  });
}

} // namespace pipeops::host
