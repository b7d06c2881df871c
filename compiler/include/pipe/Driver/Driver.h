//===- Driver.h - pipec's command line and entry point -------------------===//
#ifndef PIPE_DRIVER_DRIVER_H
#define PIPE_DRIVER_DRIVER_H

#include "pipe/dsl/Frontend.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"
#include <optional>
#include <string>
#include <vector>

namespace pipe::driver {

/// What pipec was asked to do (docs/pipec.md, "Command line").
struct Options {
  std::string inputFile;
  std::vector<std::string> emitKinds;   ///< request order, no duplicates
  std::string outputDir;                ///< -o DIR; empty: stdout
  std::vector<dsl::Override> overrides; ///< --set KEY=VALUE, in order
  std::string profileFile;              ///< --profile FILE; empty: none
  bool verifyDiagnostics = false;       ///< --verify-diagnostics
  bool help = false;                    ///< --help / -h
};

/// Parses pipec's arguments (without argv[0]). A bad command line (unknown
/// flag, unknown --emit kind, missing value or input) writes one `error:` line
/// to `errs` and returns std::nullopt.
std::optional<Options> parseCommandLine(llvm::ArrayRef<llvm::StringRef> args,
                                        llvm::raw_ostream &errs);

/// The usage text printed by --help.
void printUsage(llvm::raw_ostream &os);

/// Compiles `options.inputFile` as far as the requested outputs need and
/// writes them (to `out`, or into -o DIR) only if everything succeeded.
/// Diagnostics go to `errs` as FILE:LINE:COL: error: ..., source line, caret.
/// Returns the exit status: 0 on success, 1 on any error. With
/// --verify-diagnostics, 0 exactly when the emitted diagnostics match the
/// file's expected-* annotations.
int runPipec(const Options &options, llvm::raw_ostream &out,
             llvm::raw_ostream &errs);

/// main() of the pipec tool.
int pipecMain(int argc, char **argv);

} // namespace pipe::driver

#endif // PIPE_DRIVER_DRIVER_H
