//===- ExternCheck.h - Clang front end for custom CUDA C++ elementwise ops ===//
//
// `extern op NAME(a, b) from "FILE"` names a CUDA C++ file that defines
// `float NAME_forward(float a, float b)` and
// `void NAME_backward(float a, float b, float dy, float *da, float *db)`, both
// `__host__ __device__`. This library parses that file with Clang as CUDA
// (host side, against the installed toolkit's headers; no GPU needed), checks
// the two functions and counts their arithmetic for the cost model. It knows
// nothing about MLIR: problems come back as located diagnostics.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_EXTERN_EXTERNCHECK_H
#define PIPE_EXTERN_EXTERNCHECK_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <string>
#include <vector>

namespace pipe::ext {

/// Flops a transcendental call (expf, tanhf, logf, sqrtf, __expf, ...) counts
/// as: roughly the instruction count of the fast-math paths on a GPU SFU plus
/// range reduction. One constant keeps the cost model simple and documented.
constexpr int64_t kTranscendentalFlops = 8;

/// One problem (or a note on the previous one) at a place in a file; line and
/// column are 1-based, 0 when unknown.
struct ExternDiagnostic {
  enum Severity { Error, Note } severity = Error;
  std::string file;
  unsigned line = 0, column = 0;
  std::string message;
};

/// What the front end found in one extern op's file.
struct ExternAnalysis {
  std::vector<ExternDiagnostic> diagnostics; ///< errors, each with its notes
  int64_t forwardFlops = 0;  ///< per element, of NAME_forward's body
  int64_t backwardFlops = 0; ///< per element, of NAME_backward's body
  bool ok() const;
};

/// Parses `path` as CUDA and checks the op `name` with `numInputs` inputs.
ExternAnalysis analyzeExternFile(llvm::StringRef path, llvm::StringRef name,
                                 unsigned numInputs);

/// As analyzeExternFile, on `code` standing for the file `path` (tests).
ExternAnalysis analyzeExternCode(llvm::StringRef code, llvm::StringRef path,
                                 llvm::StringRef name, unsigned numInputs);

/// The Clang arguments the front end parses extern files with.
std::vector<std::string> externClangArgs();

} // namespace pipe::ext

#endif // PIPE_EXTERN_EXTERNCHECK_H
