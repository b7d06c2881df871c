// CUDA linear layer on cuBLASLt: forward with the bias fused into the epilogue,
// input gradient, weight gradient (f32, accumulated through beta = 1) and a
// deterministic bias gradient; and the tied layer over an embedding's table.
#include "common.cuh"

namespace pipeops::cuda {

void linear_forward(const Context &ctx, void *out, const void *in,
                    const void *w, const void *bias, int64_t M, int64_t K,
                    int64_t N) {
  Gemm g;
  g.M = M, g.N = N, g.K = K;
  g.A = in, g.lda = K, g.B = w, g.ldb = N, g.C = out, g.ldc = N;
  g.abType = g.cType = storageType(ctx);
  g.bias = bias;
  gemm(ctx, g, "linear_forward");
}

void linear_backward_input(const Context &ctx, void *din, const void *dout,
                           const void *w, int64_t M, int64_t K, int64_t N) {
  Gemm g; // din[M,K] += dout[M,N] @ w[K,N]^T
  g.M = M, g.N = K, g.K = N, g.transB = true;
  g.A = dout, g.lda = N, g.B = w, g.ldb = N, g.C = din, g.ldc = K;
  g.abType = g.cType = storageType(ctx);
  g.beta = 1.0f;
  gemm(ctx, g, "linear_backward_input");
}

void linear_backward_weight(const Context &ctx, float *dw, float *dbias,
                            const void *dout, const void *in, int64_t M,
                            int64_t K, int64_t N) {
  Gemm g; // dw[K,N] += in[M,K]^T @ dout[M,N]
  g.M = K, g.N = N, g.K = M, g.transA = true;
  g.A = in, g.lda = K, g.B = dout, g.ldb = N, g.C = dw, g.ldc = N;
  g.abType = storageType(ctx), g.cType = CUDA_R_32F;
  g.beta = 1.0f;
  gemm(ctx, g, "linear_backward_weight");
  if (dbias)
    columnSumsAccumulate(ctx, dbias, dout, M, N, "linear_backward_weight");
}

void tied_linear_forward(const Context &ctx, void *out, const void *in,
                         const void *w, int64_t M, int64_t K, int64_t N) {
  Gemm g; // out[M,N] = in[M,K] @ w[N,K]^T
  g.M = M, g.N = N, g.K = K, g.transB = true;
  g.A = in, g.lda = K, g.B = w, g.ldb = K, g.C = out, g.ldc = N;
  g.abType = g.cType = storageType(ctx);
  gemm(ctx, g, "tied_linear_forward");
}

void tied_linear_backward_input(const Context &ctx, void *din, const void *dout,
                                const void *w, int64_t M, int64_t K,
                                int64_t N) {
  Gemm g; // din[M,K] += dout[M,N] @ w[N,K]
  g.M = M, g.N = K, g.K = N;
  g.A = dout, g.lda = N, g.B = w, g.ldb = K, g.C = din, g.ldc = K;
  g.abType = g.cType = storageType(ctx);
  g.beta = 1.0f;
  gemm(ctx, g, "tied_linear_backward_input");
}

void tied_linear_backward_weight(const Context &ctx, float *dw,
                                 const void *dout, const void *in, int64_t M,
                                 int64_t K, int64_t N) {
  Gemm g; // dw[N,K] += dout[M,N]^T @ in[M,K]
  g.M = N, g.N = K, g.K = M, g.transA = true;
  g.A = dout, g.lda = N, g.B = in, g.ldb = K, g.C = dw, g.ldc = K;
  g.abType = storageType(ctx), g.cType = CUDA_R_32F;
  g.beta = 1.0f;
  gemm(ctx, g, "tied_linear_backward_weight");
}

} // namespace pipeops::cuda
