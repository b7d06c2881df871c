// Shared pieces of the CUDA kernels: error checks, storage-type dispatch,
// stream-ordered scratch, deterministic block/warp reductions and the cuBLASLt
// GEMM wrapper.
#pragma once

#include "pipeops/backends.h"

#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <library_types.h>

#include <memory>
#include <string>
#include <vector>

namespace pipeops::cuda {

[[noreturn]] void fail(const char *op, const std::string &message);
void check(cudaError_t err, const char *op);
#define PIPEOPS_CHECK_LAUNCH(op) ::pipeops::cuda::check(cudaGetLastError(), op)

inline cudaStream_t streamOf(const Context &ctx) {
  return static_cast<cudaStream_t>(ctx.stream);
}

/// Calls fn(T{}) with T the storage type of ctx (float or __nv_bfloat16).
template <typename Fn> void withStorage(const Context &ctx, Fn fn) {
  if (ctx.dtype == DType::BF16)
    fn(__nv_bfloat16{});
  else
    fn(float{});
}
inline cudaDataType storageType(const Context &ctx) {
  return ctx.dtype == DType::BF16 ? CUDA_R_16BF : CUDA_R_32F;
}

__device__ __forceinline__ float load(const float *p, int64_t i) {
  return p[i];
}
__device__ __forceinline__ float load(const __nv_bfloat16 *p, int64_t i) {
  return __bfloat162float(p[i]);
}
__device__ __forceinline__ void store(float *p, int64_t i, float v) {
  p[i] = v;
}
__device__ __forceinline__ void store(__nv_bfloat16 *p, int64_t i, float v) {
  p[i] = __float2bfloat16_rn(v);
}

/// Device scratch from the stream-ordered allocator, freed (stream-ordered) on
/// destruction.
class Scratch {
public:
  Scratch(const Context &ctx, size_t bytes, const char *op);
  ~Scratch();
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;
  template <typename T> T *as() const { return static_cast<T *>(ptr_); }

private:
  void *ptr_ = nullptr;
  cudaStream_t stream_;
};

/// f32 data as the storage type: the input itself for F32, a bf16 copy in
/// `keep` otherwise (for GEMMs whose other operand is in storage type).
const void *asStorage(const Context &ctx, const float *src, int64_t n,
                      std::unique_ptr<Scratch> &keep, const char *op);

/// Copies n int32 from device to host and waits for ctx.stream.
std::vector<int32_t> copyToHost(const Context &ctx, const int32_t *src,
                                int64_t n, const char *op);

/// Row-major GEMM on cuBLASLt with f32 accumulation:
/// C[M,N] = alpha * op(A) @ op(B) + beta * C (+ bias[N]), op(X) = X or X^T,
/// batched with element strides. Types: A and B share one type; C is f32 or
/// that type; bias is C's type.
struct Gemm {
  bool transA = false, transB = false;
  int64_t M = 0, N = 0, K = 0;
  const void *A = nullptr, *B = nullptr;
  void *C = nullptr;
  cudaDataType abType = CUDA_R_32F, cType = CUDA_R_32F;
  int64_t lda = 0, ldb = 0,
          ldc = 0; ///< row strides (elements) of the stored matrices
  float alpha = 1.0f, beta = 0.0f;
  const void *bias = nullptr;
  int batch = 1;
  int64_t strideA = 0, strideB = 0, strideC = 0;
};
void gemm(const Context &ctx, const Gemm &g, const char *op);

/// out[j] += sum over rows i of x[i * N + j] with a fixed reduction order (two
/// passes).
void columnSumsAccumulate(const Context &ctx, float *out, const void *x,
                          int64_t M, int64_t N, const char *op);

constexpr int kThreads = 256;
/// Blocks of `threads` covering n items, at least 1. Some kernels take one item
/// per thread without looping, so the grid is capped only at gridDim.x's own
/// limit (2^31 - 1 blocks).
inline unsigned gridFor(int64_t n, int threads = kThreads) {
  constexpr int64_t kMaxBlocks = (int64_t(1) << 31) - 1;
  int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(blocks < 1            ? 1
                               : blocks > kMaxBlocks ? kMaxBlocks
                                                     : blocks);
}

__device__ __forceinline__ float warpSum(float v) {
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warpMax(float v) {
  for (int o = 16; o > 0; o >>= 1)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
/// Sum over a block of blockDim.x (a multiple of 32, <= 1024) threads; every
/// thread gets it.
__device__ __forceinline__ float blockSum(float v, float *shared32) {
  v = warpSum(v);
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  __syncthreads();
  if (lane == 0)
    shared32[warp] = v;
  __syncthreads();
  float t = lane < blockDim.x / 32 ? shared32[lane] : 0.0f;
  return warpSum(t);
}
__device__ __forceinline__ float blockMax(float v, float *shared32) {
  v = warpMax(v);
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  __syncthreads();
  if (lane == 0)
    shared32[warp] = v;
  __syncthreads();
  float t = lane < blockDim.x / 32 ? shared32[lane] : -INFINITY;
  return warpMax(t);
}

} // namespace pipeops::cuda
