// Declarations of the two backends behind the dispatching API in ops.h:
// pipeops::host (always built, target pipeops_host) and pipeops::cuda (target
// pipeops_cuda, when CUDA is available).
#pragma once

#include "pipeops/ops.h"

namespace pipeops {
namespace host {
#define PIPEOPS_OP(name, params, args) void name params;
#include "pipeops/ops.def"
#undef PIPEOPS_OP
} // namespace host
namespace cuda {
#define PIPEOPS_OP(name, params, args) void name params;
#include "pipeops/ops.def"
#undef PIPEOPS_OP
} // namespace cuda
} // namespace pipeops
