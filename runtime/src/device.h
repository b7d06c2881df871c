// Memory and timing of one rank's device: host memory on the host backend, a
// GPU (stream, events) on the cuda backend. Copies and zeroing inside device
// memory go through pipeops (copy_bytes, fill_zero) on the rank's Context.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace pipert {

class Device {
public:
  virtual ~Device() = default;
  virtual std::string name() const = 0; ///< "cpu", "cuda:0 (NVIDIA H100 ...)"
  virtual void *
  allocate(size_t bytes) = 0; ///< zeroed, 256-byte aligned; throws RuntimeError
  virtual void release(void *p) = 0;
  /// Device memory the Device itself holds for the rank's kernels (the
  /// cuBLASLt workspace on cuda), counted in the rank's peak.
  virtual size_t reservedBytes() const { return 0; }
  /// Host -> device; the host buffer may be reused when it returns.
  virtual void upload(void *dst, const void *src, size_t bytes) = 0;
  /// Device -> host; waits for the rank's stream first.
  virtual void download(void *dst, const void *src, size_t bytes) = 0;
  virtual void synchronize() = 0;
  /// Timing marks on the rank's stream (events on cuda, the clock on the host):
  /// mark() returns an id; elapsedUs(a, b) is valid after synchronize();
  /// clearMarks() forgets all.
  virtual int mark() = 0;
  virtual double elapsedUs(int from, int to) = 0;
  virtual void clearMarks() = 0;
};

/// A Device backed by host memory (aligned_alloc) and
/// std::chrono::steady_clock.
std::unique_ptr<Device> makeHostDevice();

} // namespace pipert
