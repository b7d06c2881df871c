// Host GEMMs on the CPU BLAS (single-threaded calls), split over the pool in
// blocks of output rows; the plain loops they replace live on in
// reference.cpp as the tests' oracle.
#include "common.h"
#include "pool.h"

#include <algorithm>

#ifndef PIPEOPS_NO_BLAS
// The one CBLAS entry point the kernels use, declared here so no vendor's
// cblas.h is needed (every CBLAS has this ABI: enums are ints).
extern "C" void cblas_sgemm(int order, int transA, int transB, int M, int N,
                            int K, float alpha, const float *A, int lda,
                            const float *B, int ldb, float beta, float *C,
                            int ldc);
#else
#include <vector>
// Built without a BLAS (lib/CMakeLists.txt says when): the same call on plain
// loops, each output summed over the inner dimension in order.
static void cblas_sgemm(int, int transA, int transB, int M, int N, int K,
                        float alpha, const float *A, int lda, const float *B,
                        int ldb, float beta, float *C, int ldc) {
  std::vector<float> row(N);
  for (int i = 0; i < M; ++i) {
    std::fill(row.begin(), row.end(), 0.0f);
    for (int k = 0; k < K; ++k) {
      float a = transA == 112 ? A[k * lda + i] : A[i * lda + k];
      for (int j = 0; j < N; ++j)
        row[j] += a * (transB == 112 ? B[j * ldb + k] : B[k * ldb + j]);
    }
    for (int j = 0; j < N; ++j)
      C[i * ldc + j] =
          alpha * row[j] + (beta == 0.0f ? 0.0f : beta * C[i * ldc + j]);
  }
}
#endif

namespace pipeops::host {
namespace {
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

/// Row-major C[rows, cols] = op(A) op(B) + beta C (+ bias[cols] when bias),
/// op(A) [rows, inner], op(B) [inner, cols]. The output is cut into blocks by
/// shape and core count alone: a block's values do not depend on which thread
/// computed it or on the other blocks, so the result is the same for any thread
/// count.
void gemm(const Context &ctx, bool tA, bool tB, int64_t rows, int64_t cols,
          int64_t inner, const float *A, int64_t lda, const float *B,
          int64_t ldb, float beta, const float *bias, float *C, int64_t ldc) {
  if (rows == 0 || cols == 0)
    return;
  // At least ~4 MFLOP per block (~50 us: the pool's hand-off is ~1 us, a
  // BLAS call's set-up a few) and two blocks per core at most (each block
  // re-packs an operand). Blocks depend on the shape and the machine's core
  // count only, never on ctx.threads or timing.
  constexpr double kBlockFlops = 4e6;
  constexpr int64_t kAlign = 16;
  const int64_t maxBlocks = 2 * std::max(1, poolCores());
  double flops = 2.0 * rows * cols * inner;
  int64_t blocks =
      std::clamp<int64_t>(int64_t(flops / kBlockFlops), 1, maxBlocks);
  // Every block re-packs the operand it shares with the others: B when the
  // rows are split, A when the columns are. Split the longer side, so the
  // shared operand is the smaller one.
  bool byRows = rows >= cols;
  int64_t extent = byRows ? rows : cols;
  int64_t per = (extent + blocks - 1) / blocks;
  per = (per + kAlign - 1) / kAlign * kAlign;
  blocks = (extent + per - 1) / per;
  runChunks(ctx.threads, blocks, [&](int64_t blk) {
    int64_t b0 = blk * per, b1 = std::min(extent, b0 + per);
    int64_t r0 = byRows ? b0 : 0, r1 = byRows ? b1 : rows;
    int64_t c0 = byRows ? 0 : b0, c1 = byRows ? cols : b1;
    float *Cb = C + r0 * ldc + c0;
    float betaBlock = beta;
    if (bias && beta == 0.0f) { // bias epilogue as C's initial value
      for (int64_t r = r0; r < r1; ++r)
        std::copy(bias + c0, bias + c1, C + r * ldc + c0);
      betaBlock = 1.0f;
    }
    const float *Ab = tA ? A + r0 : A + r0 * lda;
    const float *Bb = tB ? B + c0 * ldb : B + c0;
    if (inner == 0) {
      if (betaBlock == 0.0f)
        for (int64_t r = r0; r < r1; ++r)
          std::fill(C + r * ldc + c0, C + r * ldc + c1, 0.0f);
    } else {
      cblas_sgemm(kRowMajor, tA ? kTrans : kNoTrans, tB ? kTrans : kNoTrans,
                  int(r1 - r0), int(c1 - c0), int(inner), 1.0f, Ab, int(lda),
                  Bb, int(ldb), betaBlock, Cb, int(ldc));
    }
    if (bias && beta != 0.0f)
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c)
          C[r * ldc + c] += bias[c];
  });
}
} // namespace

void matmul(const Context &ctx, float *out, const float *a, const float *b,
            const float *bias, int64_t M, int64_t K, int64_t N,
            bool accumulate) {
  gemm(ctx, false, false, M, N, K, a, K, b, N, accumulate ? 1.0f : 0.0f, bias,
       out, N);
}

void matmulBT(const Context &ctx, float *out, const float *a, const float *b,
              int64_t M, int64_t K, int64_t N) {
  gemm(ctx, false, true, M, K, N, a, N, b, N, 1.0f, nullptr, out, K);
}

void matmulAT(const Context &ctx, float *out, const float *a, const float *b,
              int64_t M, int64_t K, int64_t N) {
  gemm(ctx, true, false, K, N, M, a, K, b, N, 1.0f, nullptr, out, N);
}

} // namespace pipeops::host
