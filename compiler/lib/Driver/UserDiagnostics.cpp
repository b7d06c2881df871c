//===- UserDiagnostics.cpp - pipec's diagnostics: the message at its place ===//
#include "UserDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/SourceMgr.h"

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
    if (emitLongLine(clean))
      return success();
    emitDiagnostic(clean);
    return success();
  });
}

bool UserDiagnosticHandler::emitLongLine(Diagnostic &diag) {
  auto loc = LocationAttr(diag.getLocation()).findInstanceOf<FileLineColLoc>();
  if (!loc || loc.getLine() == 0)
    return false;
  const llvm::MemoryBuffer *buffer = nullptr;
  for (unsigned id = 1; id <= this->mgr.getNumBuffers(); ++id)
    if (this->mgr.getMemoryBuffer(id)->getBufferIdentifier() ==
        loc.getFilename().getValue()) {
      buffer = this->mgr.getMemoryBuffer(id);
      llvm::SMLoc at =
          this->mgr.FindLocForLineAndColumn(id, loc.getLine(), loc.getColumn());
      if (!at.isValid())
        return false;
      llvm::StringRef text = buffer->getBuffer();
      size_t pos = at.getPointer() - text.data();
      size_t begin = text.rfind('\n', pos);
      begin = begin == llvm::StringRef::npos ? 0 : begin + 1;
      size_t end = std::min(text.find('\n', pos), text.size());
      if (end - begin <= kMaxShownLine)
        return false;
      // Show a window around the caret: printing a 10 MB line (twice, with
      // the caret line) took seconds and helps nobody.
      size_t from = pos - std::min<size_t>(pos - begin, kWindow);
      size_t to = std::min(end, pos + kWindow);
      llvm::StringRef kind =
          diag.getSeverity() == DiagnosticSeverity::Error     ? "error"
          : diag.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                              : "note";
      std::string head = from > begin ? "..." : "";
      this->os << loc.getFilename().getValue() << ":" << loc.getLine() << ":"
               << loc.getColumn() << ": " << kind << ": " << diag.str() << "\n"
               << head << text.slice(from, to) << (to < end ? "..." : "")
               << "\n"
               << std::string(head.size() + (pos - from), ' ') << "^\n";
      for (Diagnostic &note : diag.getNotes())
        emitDiagnostic(note.getLocation(), note.str(), note.getSeverity());
      return true;
    }
  return false;
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
