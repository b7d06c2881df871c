//===- DeviceProfile.h - What one device can do: peaks, memory, links ----===//
//
// A device profile is a JSON file (compiler/devices/*.json for the built-in
// ones, embedded at build time; any path for `device = "file.json"`):
//
//   {"name": "h100", "description": "...",
//    "memory_bytes": 85899345920,             // capacity per rank (GiB-sized:
//                                             // 80 GiB = 80 * 2^30, 141
//                                             GiB...)
//    "peak_tflops": {"bf16": 989, "tf32": 495, "fp32": 67},  // dense
//    "memory_bandwidth_gbps": 3350,           // GB/s = 1e9 bytes/s
//    "bf16_storage": true,                    // false: bf16 tensors kept in
//    f32 "efficiency": {"matmul": 0.65, "elementwise": 0.8},  // achievable
//    share "link_bandwidth_gbps": 450,              // rank to rank, each way
//    "link_latency_us": 8, "kernel_launch_us": 4}
//
// "backend": "host" or "cuda" is optional (see hostBackend). Every other
// field except `description` is required; a missing or malformed one
// is an error that names the field.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_DEVICEPROFILE_H
#define PIPE_PLAN_DEVICEPROFILE_H

#include "pipe/Dialect/PipeEnums.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pipe::plan {

/// Storage and arithmetic precision of float tensors (the `precision` key).
/// pipe::Precision (PipeEnums.td): f32 or bf16 storage.
using ::pipe::Precision;

struct DeviceProfile {
  std::string name;
  std::string description;
  int64_t memoryBytes = 0;
  /// Dense peaks in FLOP/s.
  double peakBf16 = 0, peakTf32 = 0, peakFp32 = 0;
  double memoryBandwidth = 0; ///< bytes/s
  bool bf16Storage = true;
  double matmulEfficiency = 1, elementwiseEfficiency = 1; ///< in (0, 1]
  double linkBandwidth = 0;                               ///< bytes/s
  double linkLatencyUs = 0, kernelLaunchUs = 0;
  /// The backend the generated program runs on with this device, whose
  /// allocations the plan counts (optional "backend": "host" | "cuda";
  /// default host for the profile named "cpu", cuda for every other).
  bool hostBackend = false;

  /// Matmul peak for a precision: bf16 tensor cores, or TF32 tensor cores for
  /// f32 (cuBLASLt's fast-TF32 compute, what the op library asks for).
  double matmulPeak(Precision p) const {
    return p == Precision::BF16 ? peakBf16 : peakTf32;
  }
  /// Peak of non-matmul arithmetic (CUDA cores): fp32 for both precisions,
  /// since the op library accumulates elementwise work in f32.
  double vectorPeak() const { return peakFp32; }
  /// Bytes of one stored float element.
  int floatBytes(Precision p) const {
    return p == Precision::BF16 && bf16Storage ? 2 : 4;
  }
  /// Time to move `bytes` to another rank: latency + bytes / bandwidth.
  double sendUs(int64_t bytes) const {
    return bytes <= 0 ? 0.0
                      : linkLatencyUs + double(bytes) / linkBandwidth * 1e6;
  }
};

/// Parses a profile from JSON text. `what` names the source in messages
/// ("device profile 'x.json'"); errors name the offending field.
llvm::Expected<DeviceProfile> parseDeviceProfile(llvm::StringRef json,
                                                 llvm::StringRef what);
/// Reads and parses a profile file.
llvm::Expected<DeviceProfile> loadDeviceProfileFile(llvm::StringRef path);
/// One of the embedded profiles: "h100", "h200", "a100", "cpu".
llvm::Expected<DeviceProfile> builtinDeviceProfile(llvm::StringRef name);
/// Names of the embedded profiles.
std::vector<std::string> builtinDeviceProfileNames();

/// (name, JSON text) of each embedded profile; generated at build time.
const std::vector<std::pair<const char *, const char *>> &
builtinDeviceProfileTexts();

} // namespace pipe::plan

#endif // PIPE_PLAN_DEVICEPROFILE_H
