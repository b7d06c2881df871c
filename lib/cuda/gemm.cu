// The cuBLASLt GEMM wrapper: row-major problems mapped onto column-major
// cuBLASLt calls, bias epilogue, strided batches, f32 accumulation and a
// deterministic reduction scheme.
#include "common.cuh"

#include <cublasLt.h>

#include <cstdint>
#include <string>

namespace pipeops::cuda {

namespace {
void checkLt(cublasStatus_t status, const char *op, const char *what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    fail(op, std::string("cuBLASLt ") + what + " failed with status " +
                 std::to_string(static_cast<int>(status)));
}

cublasLtHandle_t handleOf(const Context &ctx, const char *op) {
  if (ctx.cublaslt)
    return static_cast<cublasLtHandle_t>(ctx.cublaslt);
  thread_local cublasLtHandle_t own = nullptr;
  if (!own)
    checkLt(cublasLtCreate(&own), op, "create");
  return own;
}

/// A column-major layout with optional strided batch.
struct Layout {
  cublasLtMatrixLayout_t desc = nullptr;
  Layout(cudaDataType type, int64_t rows, int64_t cols, int64_t ld, int batch,
         int64_t stride, const char *op) {
    checkLt(cublasLtMatrixLayoutCreate(&desc, type, rows, cols, ld), op,
            "layout");
    if (batch > 1) {
      checkLt(
          cublasLtMatrixLayoutSetAttribute(
              desc, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof(batch)),
          op, "batch count");
      checkLt(cublasLtMatrixLayoutSetAttribute(
                  desc, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                  sizeof(stride)),
              op, "batch stride");
    }
  }
  ~Layout() { cublasLtMatrixLayoutDestroy(desc); }
};

size_t elementBytes(cudaDataType type) { return type == CUDA_R_16BF ? 2 : 4; }

/// The alignment, in bytes up to 256, that every matrix of a (batched)
/// operand starting at `p` has: cuBLASLt assumes 256 unless told, and slots,
/// heads and batch offsets are often aligned less.
uint32_t alignmentOf(const void *p, int batch, int64_t stride,
                     cudaDataType type) {
  uint64_t bits = reinterpret_cast<uintptr_t>(p) | 256;
  if (batch > 1)
    bits |= static_cast<uint64_t>(stride) * elementBytes(type);
  return static_cast<uint32_t>(bits & (~bits + 1)); // the lowest set bit
}

void setAlignment(cublasLtMatmulPreference_t pref,
                  cublasLtMatmulPreferenceAttributes_t attr, uint32_t bytes,
                  const char *op) {
  checkLt(
      cublasLtMatmulPreferenceSetAttribute(pref, attr, &bytes, sizeof(bytes)),
      op, "alignment");
}
} // namespace

// Row-major C[M,N] = op(A) op(B) is column-major C^T[N,M] = op(B)^T op(A)^T,
// and a row-major matrix with row stride ld is its own transpose in
// column-major with the same ld. So cuBLASLt's first operand is B's storage
// (transposed iff transB), its second A's (transposed iff transA).
void gemm(const Context &ctx, const Gemm &g, const char *op) {
  if (g.M == 0 || g.N == 0)
    return;
  cublasLtHandle_t handle = handleOf(ctx, op);
  cublasLtMatmulDesc_t desc;
  checkLt(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), op,
          "desc");
  cublasOperation_t opB = g.transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opA = g.transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  checkLt(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA,
                                         &opB, sizeof(opB)),
          op, "transa");
  checkLt(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB,
                                         &opA, sizeof(opA)),
          op, "transb");
  if (g.bias) {
    cublasLtEpilogue_t epi = CUBLASLT_EPILOGUE_BIAS;
    checkLt(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                           &epi, sizeof(epi)),
            op, "epilogue");
    checkLt(cublasLtMatmulDescSetAttribute(desc,
                                           CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                           &g.bias, sizeof(g.bias)),
            op, "bias");
  }
  // Stored shapes (column-major view): B is [N,K] (or [K,N] when transposed), A
  // is [K,M] (or [M,K]), C is [N,M].
  Layout lb(g.abType, g.transB ? g.K : g.N, g.transB ? g.N : g.K, g.ldb,
            g.batch, g.strideB, op);
  Layout la(g.abType, g.transA ? g.M : g.K, g.transA ? g.K : g.M, g.lda,
            g.batch, g.strideA, op);
  Layout lc(g.cType, g.N, g.M, g.ldc, g.batch, g.strideC, op);

  cublasLtMatmulPreference_t pref;
  checkLt(cublasLtMatmulPreferenceCreate(&pref), op, "preference");
  size_t ws = ctx.workspace ? ctx.workspaceBytes : 0;
  checkLt(cublasLtMatmulPreferenceSetAttribute(
              pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)),
          op, "workspace");
  // No in-place (atomic) split-K reductions: results must not depend on timing.
  uint32_t schemes = CUBLASLT_REDUCTION_SCHEME_NONE |
                     CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE |
                     CUBLASLT_REDUCTION_SCHEME_OUTPUT_TYPE;
  checkLt(cublasLtMatmulPreferenceSetAttribute(
              pref, CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, &schemes,
              sizeof(schemes)),
          op, "reduction scheme");
  // cuBLASLt's A is our B and its B our A (above); C is also D.
  setAlignment(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
               alignmentOf(g.B, g.batch, g.strideB, g.abType), op);
  setAlignment(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
               alignmentOf(g.A, g.batch, g.strideA, g.abType), op);
  uint32_t alignC = alignmentOf(g.C, g.batch, g.strideC, g.cType);
  setAlignment(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, alignC, op);
  setAlignment(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, alignC, op);
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  checkLt(cublasLtMatmulAlgoGetHeuristic(handle, desc, lb.desc, la.desc,
                                         lc.desc, lc.desc, pref, 1, &result,
                                         &found),
          op, "heuristic");
  if (found == 0)
    fail(op, "cuBLASLt has no algorithm for this GEMM shape");
  checkLt(cublasLtMatmul(handle, desc, &g.alpha, g.B, lb.desc, g.A, la.desc,
                         &g.beta, g.C, lc.desc, g.C, lc.desc, &result.algo,
                         ctx.workspace, ws, streamOf(ctx)),
          op, "matmul");
  cublasLtMatmulPreferenceDestroy(pref);
  cublasLtMatmulDescDestroy(desc);
}

} // namespace pipeops::cuda
