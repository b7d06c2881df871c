//===- TestUtil.h - Run the front end on a string, capture diagnostics ---===//
#ifndef PIPE_TEST_UNIT_DSL_TESTUTIL_H
#define PIPE_TEST_UNIT_DSL_TESTUTIL_H

// The project namespace `pipe` collides with POSIX pipe(2) from <unistd.h>,
// which GoogleTest includes. Rename the C function in test translation units;
// include this header before GoogleTest.
#define pipe posix_pipe
#include <unistd.h>
#undef pipe

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "pipe/dsl/Frontend.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include <string>
#include <vector>

namespace pipe::dsl::test {

/// Owns a context, a source manager holding `text` as "t.pipe", and every
/// diagnostic emitted, as "LINE:COL: MESSAGE" (notes included).
struct Harness {
  mlir::MLIRContext ctx;
  llvm::SourceMgr sm;
  std::vector<std::string> diags;
  mlir::ScopedDiagnosticHandler handler;

  explicit Harness(llvm::StringRef text, llvm::StringRef name = "t.pipe")
      : handler(&ctx, [this](mlir::Diagnostic &d) {
          record(d);
          for (mlir::Diagnostic &n : d.getNotes())
            record(n);
          return mlir::success();
        }) {
    sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, name),
                          llvm::SMLoc());
  }

  void record(mlir::Diagnostic &d) {
    mlir::Location loc = d.getLocation();
    if (auto cs = mlir::dyn_cast<mlir::CallSiteLoc>(loc))
      loc = cs.getCallee();
    std::string where;
    if (auto f = mlir::dyn_cast<mlir::FileLineColLoc>(loc))
      where = std::to_string(f.getLine()) + ":" +
              std::to_string(f.getColumn()) + ": ";
    diags.push_back(where + d.str());
  }

  std::string firstDiag() const { return diags.empty() ? "" : diags[0]; }

  std::optional<Program> analyze(llvm::ArrayRef<Override> overrides = {}) {
    file = parseFile(sm, &ctx);
    if (!file)
      return std::nullopt;
    return pipe::dsl::analyze(*file, overrides, sm, &ctx);
  }

  std::unique_ptr<ast::File> file;
};

} // namespace pipe::dsl::test

#endif
