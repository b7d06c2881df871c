//===- Frontend.h - The .pipe front end's entry points -------------------===//
//
// parseFile -> printAST (pipec --emit=ast) or analyze -> Program (Model.h),
// which MLIRGen turns into the pipe dialect.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DSL_FRONTEND_H
#define PIPE_DSL_FRONTEND_H

#include "mlir/IR/MLIRContext.h"
#include "pipe/dsl/AST.h"
#include "pipe/dsl/Model.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"
#include <memory>
#include <optional>
#include <string>

namespace pipe::dsl {
namespace ast {
struct File;
}
struct Override {
  std::string key, value;
}; // one --set KEY=VALUE
/// Lexes and parses the main buffer of `sm`. Every error is emitted through
/// ctx's diagnostic engine at its source location (the caller installs a
/// mlir::SourceMgrDiagnosticHandler or SourceMgrDiagnosticVerifierHandler).
/// nullptr on error.
std::unique_ptr<ast::File> parseFile(llvm::SourceMgr &sm,
                                     mlir::MLIRContext *ctx);
/// Pretty-prints the parsed tree (pipec --emit=ast): stable, indented, one
/// node per line with line:col.
void printAST(const ast::File &file, llvm::raw_ostream &os);
/// Name resolution, constant evaluation, block inlining, repeat unrolling,
/// shape/dtype inference, cells, strategy and train rules, --set overrides.
/// std::nullopt on any error.
std::optional<Program> analyze(const ast::File &file,
                               llvm::ArrayRef<Override> overrides,
                               llvm::SourceMgr &sm, mlir::MLIRContext *ctx);
} // namespace pipe::dsl

#endif // PIPE_DSL_FRONTEND_H
