// torch_times.h: reads the per-op PyTorch times that bench/torch_ops.py writes,
// for pipeops-bench's "vs torch" column. Plain C++ (no CUDA), unit tested on
// the host by torch_times_test.cpp.
#pragma once

#include <map>
#include <string>

namespace pipeops::bench {

/// One GPU's PyTorch op times: {"gpu": s, "torch": s, "ops": {key: {"ms": x}}}.
/// Other fields (at the top level or in an op's object) are read and ignored.
struct TorchTimes {
  std::string gpu;                  ///< torch.cuda.get_device_name()
  std::string torch;                ///< torch.__version__
  std::map<std::string, double> ms; ///< op key -> milliseconds (> 0)
};

/// Parses JSON text. On failure returns false with `error` set to
/// "LINE:COL: message" (1-based) and leaves `out` unspecified.
bool parseTorchTimes(const std::string &text, TorchTimes &out,
                     std::string &error);

/// Reads and parses the file at `path`; errors are "PATH: message" or
/// "PATH:LINE:COL: message".
bool readTorchTimes(const std::string &path, TorchTimes &out,
                    std::string &error);

} // namespace pipeops::bench
