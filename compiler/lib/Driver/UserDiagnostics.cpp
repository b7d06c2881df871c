//===- UserDiagnostics.cpp - pipec's diagnostics: the message at its place ===//
#include "UserDiagnostics.h"

#include "mlir/IR/MLIRContext.h"

using namespace mlir;

namespace pipe::driver {

/// What an op stands for in the .pipe file, for messages that need a
/// subject ("has 2 ranks x ...").
static llvm::StringRef subjectOf(llvm::StringRef opName) {
  if (opName == "pipe.strategy")
    return "the strategy";
  if (opName == "pipe.model")
    return "the model";
  if (opName == "pipe.train")
    return "the train section";
  return "";
}

std::string userMessage(llvm::StringRef message) {
  // Operation::emitOpError prefixes "'" + name + "' op ". Op names are
  // dialect.op: a quote, no spaces, a dot, then "' op ".
  if (!message.starts_with("'"))
    return message.str();
  size_t close = message.find("' op ");
  if (close == llvm::StringRef::npos)
    return message.str();
  llvm::StringRef name = message.substr(1, close - 1);
  if (!name.contains('.') || name.contains(' '))
    return message.str();
  llvm::StringRef rest = message.drop_front(close + 5);
  for (llvm::StringRef verb : {"has ", "is ", "needs ", "must ", "cannot "})
    if (rest.starts_with(verb) && !subjectOf(name).empty())
      return (subjectOf(name) + " " + rest).str();
  return rest.str();
}

UserDiagnosticHandler::UserDiagnosticHandler(llvm::SourceMgr &mgr,
                                             MLIRContext *ctx,
                                             llvm::raw_ostream &os)
    : SourceMgrDiagnosticHandler(mgr, ctx, os) {
  // The op dump would be a note with the whole module (122 KB for GPT-3).
  ctx->printOpOnDiagnostic(false);
  setHandler([this](Diagnostic &diag) {
    Diagnostic clean(diag.getLocation(), diag.getSeverity());
    clean << userMessage(diag.str());
    for (Diagnostic &note : diag.getNotes()) {
      std::string text = note.str();
      if (llvm::StringRef(text).starts_with("see current operation"))
        continue;
      clean.attachNote(note.getLocation()) << userMessage(text);
    }
    // Inputs other than the .pipe file (a --profile JSON) have no location:
    // "error: MESSAGE", not "<unknown>:0: error: MESSAGE".
    if (!LocationAttr(diag.getLocation()).findInstanceOf<FileLineColLoc>()) {
      llvm::StringRef kind =
          diag.getSeverity() == DiagnosticSeverity::Error     ? "error"
          : diag.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                              : "note";
      this->os << kind << ": " << userMessage(diag.str()) << "\n";
      return success();
    }
    emitDiagnostic(clean);
    return success();
  });
}

std::unique_ptr<llvm::MemoryBuffer>
normalizeLineEndings(std::unique_ptr<llvm::MemoryBuffer> buffer) {
  llvm::StringRef text = buffer->getBuffer();
  if (!text.contains('\r'))
    return buffer;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r')
      out += text[i];
    else if (i + 1 >= text.size() || text[i + 1] != '\n')
      out += '\n'; // a lone CR ends a line; CRLF keeps only its LF
  }
  return llvm::MemoryBuffer::getMemBufferCopy(out,
                                              buffer->getBufferIdentifier());
}

} // namespace pipe::driver
