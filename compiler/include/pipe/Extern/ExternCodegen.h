//===- ExternCodegen.h - Host and CUDA code around extern op functions ----===//
//
// For each `extern op NAME(...)` the generated project gets
// `NAME_forward_op(ctx, out, in0, ..., n)` and
// `NAME_backward_op(ctx, din0, ..., dout, in0, ..., n)` in the op library's
// conventions (contiguous buffers of n elements, backward accumulates into
// the input gradients, ctx.backend picks host loops or CUDA kernels).
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_EXTERN_EXTERNCODEGEN_H
#define PIPE_EXTERN_EXTERNCODEGEN_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"
#include <string>
#include <vector>

namespace pipe::ext {

/// One extern op as code generation needs it.
struct ExternOpSource {
  std::string name;                ///< NAME: NAME_forward / NAME_backward
  std::vector<std::string> params; ///< input names, for comments
  std::string file;                ///< absolute path of the CUDA C++ file
};

/// `extern_ops.h`: declarations of the ops (and of their CUDA launchers,
/// under PIPEC_EXTERN_CUDA).
void emitExternHeader(llvm::ArrayRef<ExternOpSource> ops,
                      llvm::raw_ostream &os);
/// `extern_ops_host.cpp`: the user's files compiled as plain C++ (with
/// __host__/__device__ defined empty), host loops, and the backend dispatch.
void emitExternHost(llvm::ArrayRef<ExternOpSource> ops, llvm::raw_ostream &os);
/// `extern_ops.cu`: forward and backward __global__ kernels (float4 loads
/// when the buffers allow) and their launchers on ctx.stream.
void emitExternCuda(llvm::ArrayRef<ExternOpSource> ops, llvm::raw_ostream &os);

} // namespace pipe::ext

#endif // PIPE_EXTERN_EXTERNCODEGEN_H
