//===- OutputDir.h - Writing -o DIR all at once or not at all -------------===//
#ifndef PIPE_DRIVER_OUTPUTDIR_H
#define PIPE_DRIVER_OUTPUTDIR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/raw_ostream.h"
#include <functional>
#include <string>

namespace pipe::driver {

/// The write buffer of every output file and of stdout: a large plan's
/// outputs are hundreds of megabytes.
constexpr size_t kOutputBufferBytes = size_t(1) << 20;

/// One output: its file under -o DIR and its text, or, for an output that
/// cannot fail once the compilation succeeded (the plan and trace JSON and
/// the C++, the largest), a writer that streams it to its destination at the
/// end instead of into a string first.
struct Output {
  std::string fileName;
  std::string text;
  std::function<void(llvm::raw_ostream &)> write;
  void writeTo(llvm::raw_ostream &os) const {
    if (write)
      write(os);
    else
      os << text;
  }
};

/// Writes every output into `dir`, or nothing: the files are written into a
/// temporary directory beside `dir` first and move into place only when all
/// of them were written (a full disk, or a directory where a file must go,
/// leaves `dir` as it was). Other files already in `dir` (a build folder)
/// stay. On failure prints one `error:` line to `errs` and returns false.
bool writeOutputDir(llvm::ArrayRef<Output> outputs, llvm::StringRef dir,
                    llvm::raw_ostream &errs);

} // namespace pipe::driver

#endif // PIPE_DRIVER_OUTPUTDIR_H
