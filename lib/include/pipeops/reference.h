// Plain-loop reference kernels of the host backend: single-threaded, no BLAS,
// written for clarity. The tests compare the fast host kernels against them.
#pragma once

#include "pipeops/ops.h"

#include <cstdint>

namespace pipeops::reference {

/// out[M,N] = a[M,K] @ b[K,N] (+ bias[N]), or += when accumulate; each output
/// is bias + sum over k in order.
void matmul(float *out, const float *a, const float *b, const float *bias,
            int64_t M, int64_t K, int64_t N, bool accumulate);
/// out[M,K] += a[M,N] @ b[K,N]^T.
void matmulBT(float *out, const float *a, const float *b, int64_t M, int64_t K,
              int64_t N);
/// out[K,N] += a[M,K]^T @ b[M,N]; each output summed over m in order.
void matmulAT(float *out, const float *a, const float *b, int64_t M, int64_t K,
              int64_t N);

/// Reference attention (ops.def's attention, f32 only): materialises the S x S
/// probabilities. Its saved layout is the fused kernel's with probs
/// [B, heads, S, S] (masked entries 0) in place of the per-row logsumexp, then
/// y: q, k, v per head [B, heads, S, D/heads] each, probs, y [B, S, D].
inline int64_t attention_saved_floats(int64_t B, int64_t S, int64_t D,
                                      int64_t heads) {
  return 4 * B * S * D + B * heads * S * S;
}
void attention_forward(float *out, float *saved, const float *x,
                       const float *wq, const float *wk, const float *wv,
                       const float *wo, int64_t B, int64_t S, int64_t D,
                       int64_t heads, int64_t kv_heads, bool causal, bool rope);
/// dx += d(loss)/dx; writes wsaved (the layout of ops.h's
/// attention_wsaved_floats).
void attention_backward_input(float *dx, float *wsaved, const float *dout,
                              const float *x, const float *saved,
                              const float *wq, const float *wk, const float *wv,
                              const float *wo, int64_t B, int64_t S, int64_t D,
                              int64_t heads, int64_t kv_heads, bool causal,
                              bool rope);
void attention_backward_weight(float *dwq, float *dwk, float *dwv, float *dwo,
                               const float *dout, const float *x,
                               const float *saved, const float *wsaved,
                               int64_t B, int64_t S, int64_t D, int64_t heads,
                               int64_t kv_heads, bool causal, bool rope);

/// ops.def's embedding; bf16: each output rounded to nearest even, as the
/// host's bf16 storage emulation.
void embedding_forward(float *out, const int32_t *ids, const float *wte,
                       const float *wpe, int64_t M, int64_t S, int64_t D,
                       bool bf16);
/// Accumulates in increasing row order.
void embedding_backward_weight(float *dwte, float *dwpe, const float *dout,
                               const int32_t *ids, int64_t M, int64_t S,
                               int64_t D);
/// ops.def's adamw_step and sgd_step, one tensor after another.
void adamw_step(const AdamW &opt, int step, float *const *params,
                const float *const *grads, float *const *m, float *const *v,
                const int64_t *sizes, int count);
void sgd_step(float lr, float momentum, float *const *params,
              const float *const *grads, float *const *velocity,
              const int64_t *sizes, int count);

} // namespace pipeops::reference
