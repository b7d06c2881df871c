// CUDA support: errors, scratch, host copies, column sums, casts and the memory
// helpers.
#include "common.cuh"

#include <stdexcept>

namespace pipeops::cuda {

void fail(const char *op, const std::string &message) {
  throw std::runtime_error(std::string("pipeops::") + op + ": " + message);
}

void check(cudaError_t err, const char *op) {
  if (err != cudaSuccess)
    fail(op, std::string("CUDA error: ") + cudaGetErrorString(err));
}

Scratch::Scratch(const Context &ctx, size_t bytes, const char *op)
    : stream_(streamOf(ctx)) {
  check(cudaMallocAsync(&ptr_, bytes ? bytes : 1, stream_), op);
}
Scratch::~Scratch() { cudaFreeAsync(ptr_, stream_); }

namespace {
template <typename Src, typename Dst>
__global__ void convertKernel(Dst *dst, const Src *src, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    store(dst, i, load(src, i));
}

template <typename Src, typename Dst>
void convert(const Context &ctx, Dst *dst, const Src *src, int64_t n,
             const char *op) {
  if (n <= 0)
    return;
  convertKernel<<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(dst, src, n);
  PIPEOPS_CHECK_LAUNCH(op);
}

// Pass 1: each (column, chunk of rows) sums its rows in order. Pass 2: chunks
// summed in order.
constexpr int kChunks = 64;
template <typename T>
__global__ void columnPartialKernel(float *partial, const T *x, int64_t M,
                                    int64_t N) {
  int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  int chunk = blockIdx.y;
  if (j >= N)
    return;
  int64_t rows = (M + kChunks - 1) / kChunks, r0 = chunk * rows;
  int64_t r1 = r0 + rows < M ? r0 + rows : M;
  float s = 0.0f;
  for (int64_t i = r0; i < r1; ++i)
    s += load(x, i * N + j);
  partial[chunk * N + j] = s;
}
__global__ void columnFinishKernel(float *out, const float *partial,
                                   int64_t N) {
  int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (j >= N)
    return;
  float s = 0.0f;
  for (int c = 0; c < kChunks; ++c)
    s += partial[c * N + j];
  out[j] += s;
}
} // namespace

void columnSumsAccumulate(const Context &ctx, float *out, const void *x,
                          int64_t M, int64_t N, const char *op) {
  Scratch partial(ctx, sizeof(float) * kChunks * N, op);
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    dim3 grid(gridFor(N), kChunks);
    columnPartialKernel<<<grid, kThreads, 0, streamOf(ctx)>>>(
        partial.as<float>(), static_cast<const T *>(x), M, N);
  });
  PIPEOPS_CHECK_LAUNCH(op);
  columnFinishKernel<<<gridFor(N), kThreads, 0, streamOf(ctx)>>>(
      out, partial.as<float>(), N);
  PIPEOPS_CHECK_LAUNCH(op);
}

const void *asStorage(const Context &ctx, const float *src, int64_t n,
                      std::unique_ptr<Scratch> &keep, const char *op) {
  if (ctx.dtype == DType::F32)
    return src;
  keep = std::make_unique<Scratch>(ctx, sizeof(__nv_bfloat16) * n, op);
  convert(ctx, keep->as<__nv_bfloat16>(), src, n, op);
  return keep->as<__nv_bfloat16>();
}

std::vector<int32_t> copyToHost(const Context &ctx, const int32_t *src,
                                int64_t n, const char *op) {
  std::vector<int32_t> host(n);
  check(cudaMemcpyAsync(host.data(), src, sizeof(int32_t) * n,
                        cudaMemcpyDeviceToHost, streamOf(ctx)),
        op);
  check(cudaStreamSynchronize(streamOf(ctx)), op);
  return host;
}

void cast_f32_to_bf16(const Context &ctx, uint16_t *dst, const float *src,
                      int64_t n) {
  convert(ctx, reinterpret_cast<__nv_bfloat16 *>(dst), src, n,
          "cast_f32_to_bf16");
}

void cast_bf16_to_f32(const Context &ctx, float *dst, const uint16_t *src,
                      int64_t n) {
  convert(ctx, dst, reinterpret_cast<const __nv_bfloat16 *>(src), n,
          "cast_bf16_to_f32");
}

void to_storage(const Context &ctx, void *dst, const float *src, int64_t n) {
  if (ctx.dtype == DType::BF16)
    convert(ctx, static_cast<__nv_bfloat16 *>(dst), src, n, "to_storage");
  else
    cuda::copy_bytes(ctx, dst, src, sizeof(float) * n);
}

void from_storage(const Context &ctx, float *dst, const void *src, int64_t n) {
  if (ctx.dtype == DType::BF16)
    convert(ctx, dst, static_cast<const __nv_bfloat16 *>(src), n,
            "from_storage");
  else
    cuda::copy_bytes(ctx, dst, src, sizeof(float) * n);
}

void fill_zero(const Context &ctx, void *ptr, size_t bytes) {
  check(cudaMemsetAsync(ptr, 0, bytes, streamOf(ctx)), "fill_zero");
}

static __global__ void addF32Kernel(float *dst, const float *src, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dst[i] += src[i];
}

void add_f32(const Context &ctx, float *dst, const float *src, int64_t n) {
  if (n <= 0)
    return;
  addF32Kernel<<<gridFor(n), kThreads, 0, streamOf(ctx)>>>(dst, src, n);
  PIPEOPS_CHECK_LAUNCH("add_f32");
}

void copy_bytes(const Context &ctx, void *dst, const void *src, size_t bytes) {
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, streamOf(ctx)),
        "copy_bytes");
}

} // namespace pipeops::cuda
