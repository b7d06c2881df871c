// Host linear layer: out = in @ w + bias with weight K x N, and the tied
// layer out = in @ w^T over an embedding's N x K table; forward, input and
// weight gradients.
#include "common.h"

#include <algorithm>

namespace pipeops::host {

void linear_forward(const Context &ctx, void *out, const void *in,
                    const void *w, const void *bias, int64_t M, int64_t K,
                    int64_t N) {
  matmul(ctx, f32(out), f32(in), f32(w), f32(bias), M, K, N,
         /*accumulate=*/false);
  roundStored(ctx, f32(out), M * N);
}

void linear_backward_input(const Context &ctx, void *din, const void *dout,
                           const void *w, int64_t M, int64_t K, int64_t N) {
  matmulBT(ctx, f32(din), f32(dout), f32(w), M, K, N);
  roundStored(ctx, f32(din), M * K);
}

void linear_backward_weight(const Context &ctx, float *dw, float *dbias,
                            const void *dout, const void *in, int64_t M,
                            int64_t K, int64_t N) {
  matmulAT(ctx, dw, f32(in), f32(dout), M, K, N);
  if (!dbias)
    return;
  // Column blocks, each summed over the rows in order: vectorises over the
  // columns and gives the same sums for any thread count.
  const float *g = f32(dout);
  parallelRows(ctx, N, M, [&](int64_t j0, int64_t j1) {
    for (int64_t i = 0; i < M; ++i) {
      const float *gi = g + i * N;
      for (int64_t j = j0; j < j1; ++j)
        dbias[j] += gi[j];
    }
  });
}

void tied_linear_forward(const Context &ctx, void *out, const void *in,
                         const void *w, int64_t M, int64_t K, int64_t N) {
  // out[M,N] = in[M,K] @ w[N,K]^T: matmulBT accumulates, so start from zero.
  std::fill(f32(out), f32(out) + M * N, 0.0f);
  matmulBT(ctx, f32(out), f32(in), f32(w), M, N, K);
  roundStored(ctx, f32(out), M * N);
}

void tied_linear_backward_input(const Context &ctx, void *din, const void *dout,
                                const void *w, int64_t M, int64_t K,
                                int64_t N) {
  // din[M,K] += dout[M,N] @ w[N,K]
  matmul(ctx, f32(din), f32(dout), f32(w), nullptr, M, N, K,
         /*accumulate=*/true);
  roundStored(ctx, f32(din), M * K);
}

void tied_linear_backward_weight(const Context &ctx, float *dw,
                                 const void *dout, const void *in, int64_t M,
                                 int64_t K, int64_t N) {
  // dw[N,K] += dout[M,N]^T @ in[M,K]
  matmulAT(ctx, dw, f32(dout), f32(in), M, N, K);
}

} // namespace pipeops::host
