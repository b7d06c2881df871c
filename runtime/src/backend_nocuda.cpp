// The cuda backend's entry points in a build without CUDA: never usable, a
// clear error if asked.
#include "backend.h"
#include "error.h"

namespace pipert {

bool cudaBackendUsable() { return false; }

std::unique_ptr<ExecutionBackend> makeCudaBackend(const ModelSpec &,
                                                  const Options &) {
  throw RuntimeError("--backend=cuda: this program was built without CUDA");
}

std::unique_ptr<ExecutionBackend>
makeCudaProcessBackend(const ModelSpec &, const Options &, MpiWorld &) {
  throw RuntimeError("--backend=cuda: this program was built without CUDA");
}

} // namespace pipert
