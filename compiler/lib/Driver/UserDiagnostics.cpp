//===- UserDiagnostics.cpp - pipec's diagnostics: the message at its place ===//
#include "UserDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
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
    if (emitOwnExcerpt(clean))
      return success();
    emitDiagnostic(clean);
    return success();
  });
}

/// Whether `c` is a control byte that a terminal would act on rather than
/// show (a tab is shown).
static bool isControl(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

/// `text` with each control byte written as \xHH.
static std::string visible(llvm::StringRef text) {
  std::string out;
  for (char c : text) {
    if (!isControl(c)) {
      out += c;
      continue;
    }
    static const char *hex = "0123456789ABCDEF";
    unsigned char u = static_cast<unsigned char>(c);
    out += {'\\', 'x', hex[u >> 4], hex[u & 15]};
  }
  return out;
}

bool UserDiagnosticHandler::emitOwnExcerpt(Diagnostic &diag) {
  auto loc = LocationAttr(diag.getLocation()).findInstanceOf<FileLineColLoc>();
  if (!loc || loc.getLine() == 0)
    return false;
  for (unsigned id = 1; id <= this->mgr.getNumBuffers(); ++id) {
    const llvm::MemoryBuffer *buffer = this->mgr.getMemoryBuffer(id);
    if (buffer->getBufferIdentifier() != loc.getFilename().getValue())
      continue;
    llvm::SMLoc at =
        this->mgr.FindLocForLineAndColumn(id, loc.getLine(), loc.getColumn());
    if (!at.isValid())
      return false;
    llvm::StringRef text = buffer->getBuffer();
    size_t pos = at.getPointer() - text.data();
    size_t begin = text.rfind('\n', pos);
    begin = begin == llvm::StringRef::npos ? 0 : begin + 1;
    size_t end = std::min(text.find('\n', pos), text.size());
    llvm::StringRef line = text.slice(begin, end);
    if (line.size() <= kMaxShownLine && llvm::none_of(line, isControl))
      return false;
    // Show a window around the caret: printing a 10 MB line (twice, with
    // the caret line) took seconds and helps nobody. Control bytes are
    // shown as \xHH, so the excerpt cannot recolour or clear a terminal.
    size_t from = pos - std::min<size_t>(pos - begin, kWindow);
    size_t to = std::min(end, pos + kWindow);
    llvm::StringRef kind =
        diag.getSeverity() == DiagnosticSeverity::Error     ? "error"
        : diag.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                            : "note";
    std::string head = from > begin ? "..." : "";
    // The caret line keeps the tabs before the caret, so it lines up.
    std::string lead = head + visible(text.slice(from, pos));
    for (char &c : lead)
      c = c == '\t' ? '\t' : ' ';
    this->os << loc.getFilename().getValue() << ":" << loc.getLine() << ":"
             << loc.getColumn() << ": " << kind << ": " << diag.str() << "\n"
             << head << visible(text.slice(from, to)) << (to < end ? "..." : "")
             << "\n"
             << lead << "^\n";
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
