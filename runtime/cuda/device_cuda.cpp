// The cuda Device: device memory, stream-ordered copies and event-based timing
// marks.
#include "device_cuda.h"

#include "cuda_check.h"

namespace pipert {

CudaDevice::CudaDevice(int gpu, int rank) : gpu_(gpu), rank_(rank) {
  PIPERT_CUDA(cudaSetDevice(gpu), rank);
  PIPERT_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), rank);
  PIPERT_CUDA(cudaMalloc(&workspace_, kWorkspaceBytes), rank);
}

CudaDevice::~CudaDevice() {
  cudaSetDevice(gpu_);
  for (cudaEvent_t e : events_)
    cudaEventDestroy(e);
  cudaFree(workspace_);
  cudaStreamDestroy(stream_);
}

std::string CudaDevice::name() const {
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, gpu_) != cudaSuccess)
    return "cuda:" + std::to_string(gpu_);
  return "cuda:" + std::to_string(gpu_) + " (" + prop.name + ")";
}

void *CudaDevice::allocate(size_t bytes) {
  PIPERT_CUDA(cudaSetDevice(gpu_), rank_);
  void *p = nullptr;
  size_t rounded = (bytes + 255) / 256 * 256;
  PIPERT_CUDA(cudaMalloc(&p, rounded ? rounded : 256), rank_);
  PIPERT_CUDA(cudaMemsetAsync(p, 0, rounded ? rounded : 256, stream_), rank_);
  return p;
}

void CudaDevice::release(void *p) {
  cudaSetDevice(gpu_);
  cudaFree(p);
}

void CudaDevice::upload(void *dst, const void *src, size_t bytes) {
  PIPERT_CUDA(cudaSetDevice(gpu_), rank_);
  // Pageable source: cudaMemcpyAsync stages it before returning, so src may be
  // reused after.
  PIPERT_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_),
              rank_);
}

void CudaDevice::download(void *dst, const void *src, size_t bytes) {
  PIPERT_CUDA(cudaSetDevice(gpu_), rank_);
  PIPERT_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_),
              rank_);
  PIPERT_CUDA(cudaStreamSynchronize(stream_), rank_);
}

void CudaDevice::synchronize() {
  PIPERT_CUDA(cudaStreamSynchronize(stream_), rank_);
}

int CudaDevice::mark() {
  if (usedEvents_ == events_.size()) {
    cudaEvent_t e;
    PIPERT_CUDA(cudaEventCreate(&e), rank_);
    events_.push_back(e);
  }
  PIPERT_CUDA(cudaEventRecord(events_[usedEvents_], stream_), rank_);
  return static_cast<int>(usedEvents_++);
}

double CudaDevice::elapsedUs(int from, int to) {
  float ms = 0;
  PIPERT_CUDA(cudaEventElapsedTime(&ms, events_[from], events_[to]), rank_);
  return ms * 1000.0;
}

void CudaDevice::clearMarks() { usedEvents_ = 0; }

size_t CudaDevice::freeBytes() const {
  size_t free = 0, total = 0;
  PIPERT_CUDA(cudaSetDevice(gpu_), rank_);
  PIPERT_CUDA(cudaMemGetInfo(&free, &total), rank_);
  return free;
}

} // namespace pipert
