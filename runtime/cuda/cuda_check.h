// Error checks for CUDA and NCCL calls: one RuntimeError naming the rank and
// the failed call.
#pragma once

#include "error.h"

#include <cuda_runtime.h>
#include <nccl.h>
#include <string>

namespace pipert {

inline void cudaCheck(cudaError_t e, const char *call, int rank) {
  if (e != cudaSuccess)
    throw RuntimeError("rank " + std::to_string(rank) + ": " + call +
                       " failed: " + cudaGetErrorString(e));
}
inline void ncclCheck(ncclResult_t r, const char *call, int rank) {
  if (r != ncclSuccess && r != ncclInProgress)
    throw RuntimeError("rank " + std::to_string(rank) + ": " + call +
                       " failed: " + ncclGetErrorString(r));
}

#define PIPERT_CUDA(call, rank) ::pipert::cudaCheck((call), #call, (rank))
#define PIPERT_NCCL(call, rank) ::pipert::ncclCheck((call), #call, (rank))

} // namespace pipert
