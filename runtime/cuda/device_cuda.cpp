// The cuda Device: device memory, stream-ordered copies and event-based timing
// marks.
#include "device_cuda.h"

#include "cuda_check.h"

namespace pipert {

namespace {
/// Makes `gpu` current for a scope and then restores the thread's device: a
/// worker may act on another rank's device (the checkpoint gathers every
/// rank's parameters on one thread) and must find its own current after.
class OnDevice {
public:
  OnDevice(int gpu, int rank) {
    PIPERT_CUDA(cudaGetDevice(&previous_), rank);
    if (previous_ == gpu)
      previous_ = -1;
    else
      PIPERT_CUDA(cudaSetDevice(gpu), rank);
  }
  ~OnDevice() {
    if (previous_ >= 0)
      cudaSetDevice(previous_);
  }
  OnDevice(const OnDevice &) = delete;
  OnDevice &operator=(const OnDevice &) = delete;

private:
  int previous_ = -1;
};
} // namespace

// The constructor runs on the worker's own thread and leaves its GPU current.
CudaDevice::CudaDevice(int gpu, int rank) : gpu_(gpu), rank_(rank) {
  PIPERT_CUDA(cudaSetDevice(gpu), rank);
  PIPERT_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), rank);
  PIPERT_CUDA(cudaMalloc(&workspace_, kWorkspaceBytes), rank);
}

CudaDevice::~CudaDevice() {
  int previous = -1;
  cudaGetDevice(&previous);
  cudaSetDevice(gpu_);
  for (cudaEvent_t e : events_)
    cudaEventDestroy(e);
  cudaFree(workspace_);
  cudaStreamDestroy(stream_);
  if (previous >= 0)
    cudaSetDevice(previous);
}

std::string CudaDevice::name() const {
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, gpu_) != cudaSuccess)
    return "cuda:" + std::to_string(gpu_);
  return "cuda:" + std::to_string(gpu_) + " (" + prop.name + ")";
}

void *CudaDevice::allocate(size_t bytes) {
  OnDevice on(gpu_, rank_);
  void *p = nullptr;
  size_t rounded = (bytes + 255) / 256 * 256;
  PIPERT_CUDA(cudaMalloc(&p, rounded ? rounded : 256), rank_);
  PIPERT_CUDA(cudaMemsetAsync(p, 0, rounded ? rounded : 256, stream_), rank_);
  return p;
}

void CudaDevice::release(void *p) {
  OnDevice on(gpu_, rank_);
  cudaFree(p);
}

void CudaDevice::upload(void *dst, const void *src, size_t bytes) {
  OnDevice on(gpu_, rank_);
  // Pageable source: cudaMemcpyAsync stages it before returning, so src may be
  // reused after.
  PIPERT_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_),
              rank_);
}

void CudaDevice::download(void *dst, const void *src, size_t bytes) {
  OnDevice on(gpu_, rank_);
  PIPERT_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_),
              rank_);
  PIPERT_CUDA(cudaStreamSynchronize(stream_), rank_);
}

void CudaDevice::synchronize() {
  PIPERT_CUDA(cudaStreamSynchronize(stream_), rank_);
}

int CudaDevice::mark() {
  OnDevice on(gpu_, rank_);
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

size_t CudaDevice::freeBytes(bool settle) const {
  OnDevice on(gpu_, rank_);
  if (settle) {
    // The op library's scratch comes from the stream-ordered pool, which
    // hands memory back at synchronisations: empty it first, so that a
    // synchronisation inside the metered call cannot show as memory freed.
    cudaMemPool_t pool;
    PIPERT_CUDA(cudaStreamSynchronize(stream_), rank_);
    PIPERT_CUDA(cudaDeviceGetMemPool(&pool, gpu_), rank_);
    PIPERT_CUDA(cudaMemPoolTrimTo(pool, 0), rank_);
  }
  size_t free = 0, total = 0;
  PIPERT_CUDA(cudaMemGetInfo(&free, &total), rank_);
  return free;
}

} // namespace pipert
