// pipeops: the public API of the op library that generated pipec programs call
// for compute.
//
// Conventions (every op below follows them):
// - Every function takes the Context first. ctx.backend picks the
// implementation: Host (plain C++,
//   pointers are host pointers) or Cuda (pointers are device pointers, work is
//   enqueued on ctx.stream). Calling with Backend::Cuda in a build without CUDA
//   throws std::runtime_error.
// - Tensors are contiguous row-major. `M` is the number of rows (all leading
// dims flattened), `n`
//   an element count. All shape arguments are int64_t.
// - Pointer types say the storage:
//     `void *` / `const void *`   activations and (working copies of)
//     parameters, stored in the
//                                  storage type: Cuda: ctx.dtype (float or bf16
//                                  bits); Host: ALWAYS f32 (the host ignores
//                                  the storage width, see below)
//     `float *`                    always f32: parameter gradients, optimizer
//     state, saved buffers,
//                                  losses
//     `int32_t *`                  token ids and targets
//   Accumulation is always f32.
// - Host and DType::BF16: buffers stay f32, but every activation output and
// input gradient the
//   host writes is rounded to bf16 precision (round to nearest even), emulating
//   bf16 storage.
// - F / B / W: `X_forward` computes outputs; `X_backward_input` (B) ACCUMULATES
// (+=) into the
//   input-gradient buffers; `X_backward_weight` (W) ACCUMULATES (+=) into
//   parameter gradients. Callers zero gradient buffers once; fan-out and
//   micro-batch accumulation come for free.
// - `saved` buffers (size X_saved_floats(...), f32) are written by forward and
// read by backward;
//   `wsaved` buffers (size X_wsaved_floats(...)) are written by backward_input
//   and read by backward_weight.
// - Errors (bad ids/targets, unsupported shapes, a CUDA/cuBLAS failure) throw
// std::runtime_error
//   with a message naming the op.
// - Deterministic: the same inputs give bit-identical results run to run,
//   whatever ctx.threads (fixed reduction trees, work cut by shape, not by
//   ctx.threads; no order-dependent atomics).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pipeops {

enum class Backend { Host, Cuda };
/// Storage type of float activations and working parameter copies; accumulation
/// is always f32.
enum class DType { F32, BF16 };

struct Context {
  Backend backend = Backend::Host;
  DType dtype = DType::F32;
  void *stream = nullptr; ///< cudaStream_t (nullptr: the legacy default stream)
  void *cublaslt = nullptr;  ///< cublasLtHandle_t (nullptr: the library creates
                             ///< one per thread)
  void *workspace = nullptr; ///< device scratch for cuBLASLt
  size_t workspaceBytes = 0;
  /// host: the most threads of the process's pool one call may use, the
  /// caller included (<= 0: the whole pool). Results do not depend on it: work
  /// is cut into chunks by shape (and core count), not by it.
  int threads = 1;
};

/// AdamW hyper-parameters; decoupled weight decay as torch.optim.AdamW.
struct AdamW {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f,
        weight_decay = 0.0f;
};

/// True when this build contains the CUDA backend.
bool cuda_available();
/// Bytes of one stored float element for ctx: 4 on the host, 4 or 2 on CUDA per
/// ctx.dtype.
size_t storage_bytes(const Context &ctx);

// Sizes (in floats) of the caller-provided buffers.
/// layernorm: mean and rstd per row.
inline int64_t layernorm_saved_floats(int64_t M) { return 2 * M; }
/// rmsnorm: rstd per row.
inline int64_t rmsnorm_saved_floats(int64_t M) { return M; }
/// cross_entropy: logsumexp per row.
inline int64_t cross_entropy_saved_floats(int64_t M) { return M; }
/// attention saved layout (all f32), in this order:
///   q, k, v after RoPE, per query head: [B, heads, S, D/heads] each (k and v
///   are repeated for the heads sharing a kv head); y [B, S, D], the attention
///   output before the o projection; lse [B, heads, S], each query row's
///   logsumexp of its (scaled, masked) scores. No S x S buffer: backward
///   recomputes the probabilities as exp(score - lse).
inline int64_t attention_saved_floats(int64_t B, int64_t S, int64_t D,
                                      int64_t heads, int64_t /*kv_heads*/) {
  return 4 * B * S * D + B * heads * S;
}
/// attention wsaved layout (f32): gradients of the projections q = x wq, k = x
/// wk, v = x wv (before RoPE): dq [B*S, D], dk [B*S, Dkv], dv [B*S, Dkv], Dkv =
/// D / heads * kv_heads.
inline int64_t attention_wsaved_floats(int64_t B, int64_t S, int64_t D,
                                       int64_t heads, int64_t kv_heads) {
  return B * S * (D + 2 * (D / heads * kv_heads));
}

// The ops. ops.def lists each signature with its documentation.
#define PIPEOPS_OP(name, params, args) void name params;
#include "pipeops/ops.def"
#undef PIPEOPS_OP

} // namespace pipeops
