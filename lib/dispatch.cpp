// The public pipeops entry points: each forwards to the host or CUDA backend
// per ctx.backend.
#include "host/pool.h"
#include "pipeops/backends.h"

#include <stdexcept>
#include <string>

namespace pipeops {

#ifdef PIPEOPS_HAVE_CUDA
#define PIPEOPS_CUDA_CALL(name, args) return cuda::name args;
bool cuda_available() { return true; }
#else
[[noreturn]] static void noCuda(const char *op) {
  throw std::runtime_error(
      std::string("pipeops::") + op +
      ": Backend::Cuda requested, but pipeops was built without CUDA");
}
#define PIPEOPS_CUDA_CALL(name, args) noCuda(#name);
bool cuda_available() { return false; }
#endif

size_t storage_bytes(const Context &ctx) {
  return ctx.backend == Backend::Cuda && ctx.dtype == DType::BF16 ? 2 : 4;
}

#define PIPEOPS_OP(name, params, args)                                         \
  void name params {                                                           \
    if (ctx.backend == Backend::Host) {                                        \
      host::CoreClaim claim; /* this rank computes: one core is its own */     \
      return host::name args;                                                  \
    }                                                                          \
    PIPEOPS_CUDA_CALL(name, args)                                              \
  }
#include "pipeops/ops.def"
#undef PIPEOPS_OP

} // namespace pipeops
