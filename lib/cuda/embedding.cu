// CUDA embedding: gather forward; weight gradient by token buckets built on the
// host (each token row summed in increasing position order, so the result is
// deterministic without atomics).
#include "common.cuh"

#include <string>

namespace pipeops::cuda {

namespace {
void checkIds(const char *op, const std::vector<int32_t> &ids, int64_t V) {
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= V)
      fail(op, "token id " + std::to_string(ids[i]) + " at row " +
                   std::to_string(i) + " is outside the vocabulary [0, " +
                   std::to_string(V) + ")");
}

template <typename T>
__global__ void embedForward(T *out, const int32_t *ids, const T *wte,
                             const T *wpe, int64_t M, int64_t S, int64_t D) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < M * D;
       k += int64_t(gridDim.x) * blockDim.x) {
    int64_t i = k / D, d = k % D;
    float v = load(wte, ids[i] * D + d);
    if (wpe)
      v += load(wpe, (i % S) * D + d);
    store(out, k, v);
  }
}

// Block x: one distinct token; rows[start[x] .. start[x+1]) are its positions
// in order.
template <typename T>
__global__ void embedTokenGrad(float *dwte, const T *dout,
                               const int32_t *tokens, const int32_t *start,
                               const int32_t *rows, int64_t D) {
  int64_t d = blockIdx.y * int64_t(blockDim.x) + threadIdx.x;
  if (d >= D)
    return;
  float s = 0.0f;
  for (int32_t k = start[blockIdx.x]; k < start[blockIdx.x + 1]; ++k)
    s += load(dout, rows[k] * D + d);
  dwte[tokens[blockIdx.x] * D + d] += s;
}

template <typename T>
__global__ void embedPositionGrad(float *dwpe, const T *dout, int64_t M,
                                  int64_t S, int64_t D) {
  int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (k >= S * D)
    return;
  float s = 0.0f;
  for (int64_t i = k / D; i < M; i += S)
    s += load(dout, i * D + k % D);
  dwpe[k] += s;
}
} // namespace

void embedding_forward(const Context &ctx, void *out, const int32_t *ids,
                       const void *wte, const void *wpe, int64_t M, int64_t S,
                       int64_t V, int64_t D) {
  checkIds("embedding_forward", copyToHost(ctx, ids, M, "embedding_forward"),
           V);
  if (M * D <= 0)
    return;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    embedForward<<<gridFor(M * D), kThreads, 0, streamOf(ctx)>>>(
        static_cast<T *>(out), ids, static_cast<const T *>(wte),
        static_cast<const T *>(wpe), M, S, D);
  });
  PIPEOPS_CHECK_LAUNCH("embedding_forward");
}

void embedding_backward_weight(const Context &ctx, float *dwte, float *dwpe,
                               const void *dout, const int32_t *ids, int64_t M,
                               int64_t S, int64_t V, int64_t D) {
  const char *op = "embedding_backward_weight";
  std::vector<int32_t> host = copyToHost(ctx, ids, M, op);
  checkIds(op, host, V);
  if (M <= 0)
    return;
  // Counting sort by token: [tokens | start (tokens+1) | rows (M)] in one
  // upload.
  std::vector<int32_t> count(V + 1, 0);
  for (int32_t t : host)
    ++count[t + 1];
  std::vector<int32_t> tokens, start{0};
  for (int64_t t = 0; t < V; ++t)
    if (count[t + 1]) {
      tokens.push_back(static_cast<int32_t>(t));
      start.push_back(start.back() + count[t + 1]);
    }
  for (int64_t t = 0; t < V; ++t)
    count[t + 1] += count[t];
  std::vector<int32_t> rows(M);
  for (int64_t i = 0; i < M; ++i)
    rows[count[host[i]]++] = static_cast<int32_t>(i);
  std::vector<int32_t> packed(tokens);
  packed.insert(packed.end(), start.begin(), start.end());
  packed.insert(packed.end(), rows.begin(), rows.end());
  Scratch dev(ctx, sizeof(int32_t) * packed.size(), op);
  check(cudaMemcpyAsync(dev.as<int32_t>(), packed.data(),
                        sizeof(int32_t) * packed.size(), cudaMemcpyHostToDevice,
                        streamOf(ctx)),
        op);
  int64_t distinct = tokens.size();
  const int32_t *dTokens = dev.as<int32_t>(), *dStart = dTokens + distinct,
                *dRows = dStart + distinct + 1;
  withStorage(ctx, [&](auto tag) {
    using T = decltype(tag);
    const T *g = static_cast<const T *>(dout);
    embedTokenGrad<<<dim3(distinct, gridFor(D)), kThreads, 0, streamOf(ctx)>>>(
        dwte, g, dTokens, dStart, dRows, D);
    if (dwpe)
      embedPositionGrad<<<gridFor(S * D), kThreads, 0, streamOf(ctx)>>>(
          dwpe, g, M, S, D);
  });
  PIPEOPS_CHECK_LAUNCH(op);
  // `packed` is pageable host memory: wait for the upload before it goes out of
  // scope.
  check(cudaStreamSynchronize(streamOf(ctx)), op);
}

} // namespace pipeops::cuda
