//===- UserDiagnostics.h - pipec's diagnostics: the message at its place --===//
//
// pipec's users wrote a .pipe file, not IR: an error says what is wrong at
// the line and column it came from (a source line and a caret), never which
// op reported it or the op's IR. Also the line-ending normalization that lets
// SourceMgr show source lines of CR-only files.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DRIVER_USERDIAGNOSTICS_H
#define PIPE_DRIVER_USERDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"

namespace pipe::driver {

/// Prints each diagnostic as FILE:LINE:COL: error: MESSAGE with its source
/// line and caret, dropping the "'pipe.op' op " prefix of op diagnostics and
/// the "see current operation" note; turns off printing ops on diagnostics.
class UserDiagnosticHandler : public mlir::SourceMgrDiagnosticHandler {
public:
  UserDiagnosticHandler(llvm::SourceMgr &mgr, mlir::MLIRContext *ctx,
                        llvm::raw_ostream &os);

private:
  /// Lines longer than this show only kWindow characters either side of
  /// the caret.
  static constexpr size_t kMaxShownLine = 1000, kWindow = 80;
  /// Prints `diag` with its own excerpt of the source line when the line is
  /// longer than kMaxShownLine (a window around the caret) or holds control
  /// bytes (shown as \xHH); false (nothing printed) otherwise.
  bool emitOwnExcerpt(mlir::Diagnostic &diag);
};

/// `message` without a leading "'dialect.op' op ".
std::string userMessage(llvm::StringRef message);

/// `buffer` with CRLF and lone CR line endings turned into LF (columns are
/// unchanged), or `buffer` itself when it has no CR.
std::unique_ptr<llvm::MemoryBuffer>
normalizeLineEndings(std::unique_ptr<llvm::MemoryBuffer> buffer);

} // namespace pipe::driver

#endif // PIPE_DRIVER_USERDIAGNOSTICS_H
