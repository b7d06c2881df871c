// The cuda Device of one rank: its GPU, compute stream, cuBLASLt workspace and
// event marks.
#pragma once

#include "device.h"

#include <cuda_runtime.h>
#include <algorithm>
#include <cstdint>
#include <vector>

namespace pipert {

class CudaDevice final : public Device {
public:
  CudaDevice(int gpu, int rank);
  ~CudaDevice() override;
  std::string name() const override;
  void *allocate(size_t bytes) override;
  void release(void *p) override;
  /// The cuBLASLt workspace plus the most device memory that metered calls
  /// held at once.
  size_t reservedBytes() const override {
    return kWorkspaceBytes + static_cast<size_t>(externalPeak_);
  }
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

  /// Runs `call` (NCCL's communicator setup, a group that may open
  /// connections) and counts the device memory it took as the fall in this
  /// GPU's free memory across it: NCCL allocates its buffers itself and offers
  /// no query. Exact only while this rank is the one user of its GPU, which is
  /// when the backends use NCCL.
  template <class Call> void metered(Call &&call) {
    size_t before = freeBytes(/*settle=*/true);
    call();
    external_ +=
        static_cast<int64_t>(before) - static_cast<int64_t>(freeBytes());
    externalPeak_ = std::max(externalPeak_, external_);
  }

private:
  /// This GPU's free memory; with `settle`, after the rank's stream is idle
  /// and the stream-ordered pool holds nothing unused.
  size_t freeBytes(bool settle = false) const;

  int gpu_, rank_;
  cudaStream_t stream_ = nullptr;
  void *workspace_ = nullptr;
  std::vector<cudaEvent_t> events_;
  size_t usedEvents_ = 0;
  int64_t external_ = 0, externalPeak_ = 0;
};

} // namespace pipert
