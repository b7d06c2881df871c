//===- ExternCheck.cpp - Parse an extern op's CUDA file and check it ------===//
//
// Clang parses the file as CUDA (host side only, so no GPU and no libdevice
// are needed); its errors come back as they are, located in the file. On a
// file that compiles, NAME_forward and NAME_backward must exist with the
// signatures of language.md and be __host__ __device__.
//
//===----------------------------------------------------------------------===//
#include "pipe/Extern/ExternCheck.h"
#include "FlopCount.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/Decl.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/ASTUnit.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace clang;

namespace pipe::ext {

bool ExternAnalysis::ok() const {
  for (const ExternDiagnostic &d : diagnostics)
    if (d.severity == ExternDiagnostic::Error)
      return false;
  return true;
}

std::vector<std::string> externClangArgs() {
  std::vector<std::string> args = {"-x",
                                   "cuda",
                                   "--cuda-host-only",
                                   "-nocudalib",
                                   "-Wno-unknown-cuda-version",
                                   "-std=c++17",
                                   "-resource-dir=" PIPEC_CLANG_RESOURCE_DIR};
  if (llvm::sys::fs::is_directory(PIPEC_CUDA_PATH "/include")) {
    args.push_back("--cuda-path=" PIPEC_CUDA_PATH);
  } else {
    // No toolkit: still check the file, with the attributes spelled out.
    args.insert(args.end(), {"-nocudainc", "-D__host__=__attribute__((host))",
                             "-D__device__=__attribute__((device))",
                             "-D__global__=__attribute__((global))"});
  }
  return args;
}

namespace {

/// Collects Clang's errors (and the notes that belong to them) with their
/// presumed locations; warnings stay Clang's business.
class CollectingConsumer : public DiagnosticConsumer {
public:
  CollectingConsumer(std::vector<ExternDiagnostic> &out, StringRef path)
      : out(out), path(path) {}

  void HandleDiagnostic(DiagnosticsEngine::Level level,
                        const Diagnostic &info) override {
    DiagnosticConsumer::HandleDiagnostic(level, info);
    bool isNote = level == DiagnosticsEngine::Note;
    if (level < DiagnosticsEngine::Error && !(isNote && inError))
      return;
    inError = level >= DiagnosticsEngine::Error || (isNote && inError);
    ExternDiagnostic d;
    d.severity = isNote ? ExternDiagnostic::Note : ExternDiagnostic::Error;
    d.file = path;
    if (info.hasSourceManager() && info.getLocation().isValid()) {
      PresumedLoc p =
          info.getSourceManager().getPresumedLoc(info.getLocation());
      if (p.isValid()) {
        d.file = p.getFilename();
        d.line = p.getLine();
        d.column = p.getColumn();
      }
    }
    llvm::SmallString<128> text;
    info.FormatDiagnostic(text);
    d.message = text.str().str();
    out.push_back(std::move(d));
  }

  void reset() { inError = false; }

private:
  std::vector<ExternDiagnostic> &out;
  std::string path;
  bool inError = false;
};

/// Checks the two functions of one extern op in a parsed file.
class SignatureChecker {
public:
  SignatureChecker(ASTContext &ctx, StringRef path, StringRef name,
                   unsigned numInputs, ExternAnalysis &result)
      : ctx(ctx), sm(ctx.getSourceManager()), path(path), name(name),
        numInputs(numInputs), result(result) {}

  void run() {
    const FunctionDecl *fwd = find((name + "_forward").str(), true);
    const FunctionDecl *bwd = find((name + "_backward").str(), false);
    if (fwd && checkForward(fwd))
      result.forwardFlops = countFlops(fwd);
    if (bwd && checkBackward(bwd))
      result.backwardFlops = countFlops(bwd);
  }

private:
  std::string signature(bool forward) const {
    std::string s = forward ? "float " : "void ";
    s += name.str() + (forward ? "_forward(" : "_backward(");
    for (unsigned i = 0; i < numInputs; ++i)
      s += (i ? ", float x" : "float x") + std::to_string(i);
    if (!forward) {
      s += numInputs ? ", float dy" : "float dy";
      for (unsigned i = 0; i < numInputs; ++i)
        s += ", float *dx" + std::to_string(i);
    }
    return s + ")";
  }

  void error(SourceLocation loc, const std::string &message) {
    ExternDiagnostic d;
    d.file = path.str();
    d.line = d.column = 1;
    if (loc.isValid()) {
      PresumedLoc p = sm.getPresumedLoc(loc);
      if (p.isValid()) {
        d.file = p.getFilename();
        d.line = p.getLine();
        d.column = p.getColumn();
      }
    }
    d.message = message;
    result.diagnostics.push_back(std::move(d));
  }

  /// The definition of `fn` at the file's top level, or an error.
  const FunctionDecl *find(const std::string &fn, bool forward) {
    DeclContextLookupResult found =
        ctx.getTranslationUnitDecl()->lookup(&ctx.Idents.get(fn));
    const FunctionDecl *decl = nullptr;
    for (NamedDecl *d : found)
      if (auto *f = dyn_cast<FunctionDecl>(d->getUnderlyingDecl()))
        decl = f->getDefinition() ? f->getDefinition() : f;
    if (!decl) {
      error(sm.getLocForStartOfFile(sm.getMainFileID()),
            "no function '" + fn + "' in this file; the extern op '" +
                name.str() + "' needs '__host__ __device__ " +
                signature(forward) + "'");
      return nullptr;
    }
    if (!decl->doesThisDeclarationHaveABody()) {
      error(decl->getLocation(), "'" + fn + "' is declared but not defined");
      return nullptr;
    }
    return decl;
  }

  bool isFloat(QualType t) const {
    return t.getCanonicalType().getUnqualifiedType() == ctx.FloatTy;
  }

  bool checkParams(const FunctionDecl *fn, bool forward) {
    unsigned want = forward ? numInputs : 2 * numInputs + 1;
    std::string fnName = fn->getNameAsString();
    if (fn->getNumParams() != want || fn->isVariadic()) {
      error(fn->getLocation(),
            "'" + fnName + "' takes " + std::to_string(fn->getNumParams()) +
                " parameter" + (fn->getNumParams() == 1 ? "" : "s") +
                " but the extern op '" + name.str() + "' with " +
                std::to_string(numInputs) + " input" +
                (numInputs == 1 ? "" : "s") + " needs " + std::to_string(want) +
                ": " + signature(forward));
      return false;
    }
    bool ok = true;
    for (unsigned i = 0; i < want; ++i) {
      const ParmVarDecl *p = fn->getParamDecl(i);
      QualType t = p->getType();
      bool pointer = !forward && i > numInputs;
      bool good = pointer ? t->isPointerType() &&
                                !t->getPointeeType().isConstQualified() &&
                                isFloat(t->getPointeeType())
                          : isFloat(t);
      if (!good) {
        error(p->getLocation(), "parameter " + std::to_string(i + 1) + " of '" +
                                    fnName + "' has type '" + t.getAsString() +
                                    "'; expected '" +
                                    (pointer ? "float *" : "float") + "'");
        ok = false;
      }
    }
    return ok;
  }

  bool checkAttributes(const FunctionDecl *fn) {
    auto has = [&](auto *attr) { return attr && !attr->isImplicit(); };
    bool host = has(fn->getAttr<CUDAHostAttr>());
    bool device = has(fn->getAttr<CUDADeviceAttr>());
    if (host && device)
      return true;
    std::string missing = !host && !device ? "__host__ __device__"
                          : !host          ? "__host__"
                                           : "__device__";
    error(fn->getBeginLoc(), "'" + fn->getNameAsString() +
                                 "' must be __host__ __device__ (missing " +
                                 missing + ")");
    return false;
  }

  bool checkForward(const FunctionDecl *fn) {
    bool ok = checkParams(fn, true);
    if (!isFloat(fn->getReturnType())) {
      error(fn->getReturnTypeSourceRange().getBegin(),
            "'" + fn->getNameAsString() + "' returns '" +
                fn->getReturnType().getAsString() + "'; expected 'float'");
      ok = false;
    }
    return checkAttributes(fn) && ok;
  }

  bool checkBackward(const FunctionDecl *fn) {
    bool ok = checkParams(fn, false);
    if (!fn->getReturnType()->isVoidType()) {
      error(fn->getReturnTypeSourceRange().getBegin(),
            "'" + fn->getNameAsString() + "' returns '" +
                fn->getReturnType().getAsString() + "'; expected 'void'");
      ok = false;
    }
    return checkAttributes(fn) && ok;
  }

  ASTContext &ctx;
  SourceManager &sm;
  StringRef path, name;
  unsigned numInputs;
  ExternAnalysis &result;
};

} // namespace

ExternAnalysis analyzeExternCode(StringRef code, StringRef path, StringRef name,
                                 unsigned numInputs) {
  ExternAnalysis result;
  CollectingConsumer consumer(result.diagnostics, path);
  std::unique_ptr<ASTUnit> ast = tooling::buildASTFromCodeWithArgs(
      code, externClangArgs(), path, "clang",
      std::make_shared<PCHContainerOperations>(),
      tooling::getClangStripDependencyFileAdjuster(),
      tooling::FileContentMappings(), &consumer);
  if (!result.ok())
    return result;
  if (!ast) {
    result.diagnostics.push_back({ExternDiagnostic::Error, path.str(), 0, 0,
                                  "clang could not parse this file as CUDA"});
    return result;
  }
  SignatureChecker(ast->getASTContext(), path, name, numInputs, result).run();
  return result;
}

ExternAnalysis analyzeExternFile(StringRef path, StringRef name,
                                 unsigned numInputs) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (std::error_code ec = buffer.getError()) {
    ExternAnalysis result;
    result.diagnostics.push_back(
        {ExternDiagnostic::Error, path.str(), 0, 0,
         "cannot read '" + path.str() + "': " + ec.message()});
    return result;
  }
  return analyzeExternCode((*buffer)->getBuffer(), path, name, numInputs);
}

} // namespace pipe::ext
