// The cuda Device of one rank: its GPU, compute stream, cuBLASLt workspace and
// event marks.
#pragma once

#include "device.h"

#include <cuda_runtime.h>
#include <vector>

namespace pipert {

class CudaDevice final : public Device {
public:
  CudaDevice(int gpu, int rank);
  ~CudaDevice() override;
  std::string name() const override;
  void *allocate(size_t bytes) override;
  void release(void *p) override;
  size_t reservedBytes() const override { return kWorkspaceBytes; }
  void upload(void *dst, const void *src, size_t bytes) override;
  void download(void *dst, const void *src, size_t bytes) override;
  void synchronize() override;
  int mark() override;
  double elapsedUs(int from, int to) override;
  void clearMarks() override;

  int gpu() const { return gpu_; }
  int rank() const { return rank_; }
  cudaStream_t stream() const { return stream_; }
  void *workspace() const { return workspace_; }
  static constexpr size_t kWorkspaceBytes = 32u << 20;

private:
  int gpu_, rank_;
  cudaStream_t stream_ = nullptr;
  void *workspace_ = nullptr;
  std::vector<cudaEvent_t> events_;
  size_t usedEvents_ = 0;
};

} // namespace pipert
