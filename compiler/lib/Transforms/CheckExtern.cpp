//===- CheckExtern.cpp - pipe-check-extern: Clang checks of extern ops ----===//
//
// Runs the Clang front end of PipeExtern on each pipe.extern_op's file and
// turns what it found into MLIR diagnostics located in that file (the
// driver's SourceMgr handler loads the file to show the line), with a note at
// the `extern` declaration; records the flop counts for the cost model.
//
//===----------------------------------------------------------------------===//
#include "pipe/Extern/ExternCheck.h"
#include "pipe/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace pipe {
#define GEN_PASS_DEF_PIPECHECKEXTERN
#include "pipe/Transforms/Passes.h.inc"
} // namespace pipe

namespace pipe {
namespace {

struct CheckExternPass : impl::PipeCheckExternBase<CheckExternPass> {
  void runOnOperation() override {
    bool failedAny = false;
    for (ExternDeclOp decl : getOperation().getOps<ExternDeclOp>())
      if (failed(check(decl)))
        failedAny = true;
    if (failedAny)
      signalPassFailure();
  }

  LogicalResult check(ExternDeclOp decl) {
    MLIRContext *ctx = decl.getContext();
    StringRef name = decl.getSymName();
    ext::ExternAnalysis found = ext::analyzeExternFile(
        decl.getFile(), name, unsigned(decl.getParams().size()));
    // Each error, then its notes from Clang, then the declaration.
    std::optional<InFlightDiagnostic> current;
    auto finish = [&] {
      if (current)
        current->attachNote(decl.getLoc())
            << "in the CUDA C++ file of extern op '" << name
            << "' declared here";
      current.reset();
    };
    for (const ext::ExternDiagnostic &d : found.diagnostics) {
      // Without a line (an unreadable file) the declaration is the place.
      Location loc =
          d.line ? Location(FileLineColLoc::get(ctx, d.file, d.line, d.column))
                 : decl.getLoc();
      if (d.severity == ext::ExternDiagnostic::Note && current) {
        current->attachNote(loc) << d.message;
        continue;
      }
      finish();
      current.emplace(emitError(loc) << d.message);
    }
    finish();
    if (!found.ok())
      return failure();
    Builder b(ctx);
    decl->setAttr("fwd_flops", b.getI64IntegerAttr(found.forwardFlops));
    decl->setAttr("bwd_flops", b.getI64IntegerAttr(found.backwardFlops));
    return success();
  }
};

} // namespace
} // namespace pipe
