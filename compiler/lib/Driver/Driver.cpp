//===- Driver.cpp - Runs a pipec compilation and writes its outputs ------===//
//
// Nothing reaches stdout or -o DIR unless the whole compilation succeeded:
// every output is rendered into a buffer first and written at the end.
//
//===----------------------------------------------------------------------===//
#include "OutputDir.h"
#include "UserDiagnostics.h"
#include "pipe/Driver/Compilation.h"
#include "pipe/Dialect/PipeOps.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace pipe::driver {
namespace {

/// Renders one output with `emit` into `outputs`. The plan and trace JSON
/// and the C++ (which always succeed once the plan, or the C++ text, exists)
/// are streamed at write time instead: on big plans their text alone is
/// hundreds of bytes per action.
LogicalResult render(Compilation &c, EmitFn emit, StringRef fileName,
                     std::vector<Output> &outputs) {
  Output output{fileName.str(), {}, {}};
  if (emit == emitPlan || emit == emitTrace || emit == emitCpp) {
    output.write = [&c, emit](llvm::raw_ostream &os) { (void)emit(c, os); };
    outputs.push_back(std::move(output));
    return success();
  }
  llvm::raw_string_ostream os(output.text);
  if (failed(emit(c, os)))
    return failure();
  outputs.push_back(std::move(output));
  return success();
}

/// What a compilation writes besides the --emit kinds.
struct Extras {
  bool project = false; ///< -o DIR: the generated CMake project
  bool summary = false; ///< no --emit: the plan summary on stdout
};

/// Runs the phases and renders every requested output into `outputs` (and
/// the summary into `summary`).
LogicalResult compile(Compilation &c, ArrayRef<const EmitKind *> kinds,
                      Phase last, Extras extras, std::vector<Output> &outputs,
                      std::string &summary) {
  if (failed(runPhases(c, last)))
    return failure();
  for (const EmitKind *kind : kinds)
    if (failed(render(c, kind->emit, kind->fileName, outputs)))
      return failure();
  if (extras.project) {
    std::string model = c.plan ? c.plan->model : "model";
    if (failed(render(c, emitCpp, model + ".cpp", outputs)) ||
        failed(render(c, emitProjectCMake, "CMakeLists.txt", outputs)) ||
        failed(render(c, emitPlan, "plan.json", outputs)) ||
        failed(render(c, emitTrace, "trace.json", outputs)))
      return failure();
    if (hasExternOps(c) &&
        (failed(render(c, emitExternOpsHeader, "extern_ops.h", outputs)) ||
         failed(render(c, emitExternOpsHost, "extern_ops_host.cpp", outputs)) ||
         failed(render(c, emitExternOpsCuda, "extern_ops.cu", outputs))))
      return failure();
  }
  if (extras.summary) {
    llvm::raw_string_ostream os(summary);
    os << c.autoReport; // schedule = auto: the ranked candidates first
    if (failed(emitSummary(c, os)))
      return failure();
  }
  return success();
}

/// Writes the outputs to `out`, or each to its file under `dir` (all or
/// none), then the summary to `out`.
bool writeOutputs(ArrayRef<Output> outputs, StringRef summary, StringRef dir,
                  llvm::raw_ostream &out, llvm::raw_ostream &errs) {
  if (!dir.empty() && !writeOutputDir(outputs, dir, errs))
    return false;
  out << summary;
  if (dir.empty())
    for (const Output &output : outputs)
      output.writeTo(out);
  out.flush();
  return true;
}

} // namespace

int runPipec(const Options &options, llvm::raw_ostream &out,
             llvm::raw_ostream &errs) {
  // The outputs asked for, and the last phase they need. Every input error
  // is an error whatever is emitted, so analysis and MLIRGen (which checks
  // the extern ops' files) always run.
  std::vector<const EmitKind *> kinds;
  Extras extras{!options.outputDir.empty(), options.emitKinds.empty()};
  Phase last = extras.project   ? Phase::Codegen
               : extras.summary ? Phase::Plan
                                : Phase::Generate;
  for (const std::string &name : options.emitKinds) {
    const EmitKind *kind = lookupEmitKind(name); // known: parseCommandLine
    kinds.push_back(kind);
    last = std::max(last, kind->needs);
  }

  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(options.inputFile,
                                                   /*IsText=*/true);
  if (std::error_code ec = buffer.getError()) {
    errs << "error: cannot read '" << options.inputFile << "': " << ec.message()
         << "\n";
    return 1;
  }
  if (!options.profileFile.empty()) {
    llvm::sys::fs::file_status status;
    std::error_code ec = llvm::sys::fs::status(options.profileFile, status);
    if (ec || status.type() != llvm::sys::fs::file_type::regular_file) {
      errs << "error: cannot read profile '" << options.profileFile << "': "
           << (ec ? ec.message()
               : status.type() == llvm::sys::fs::file_type::directory_file
                   ? "it is a directory"
                   : "it is not a regular file")
           << "\n";
      return 1;
    }
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(normalizeLineEndings(std::move(*buffer)),
                               llvm::SMLoc());
  // Single-threaded so diagnostics come out in a deterministic order.
  MLIRContext context(MLIRContext::Threading::DISABLED);
  context.getOrLoadDialect<PipeDialect>();
  Compilation compilation{options, sourceMgr, context};
  std::vector<Output> outputs;
  std::string summary;

  if (options.verifyDiagnostics) {
    SourceMgrDiagnosticVerifierHandler handler(sourceMgr, &context, errs);
    context.printOpOnDiagnostic(false);
    bool compiled =
        succeeded(compile(compilation, kinds, last, extras, outputs, summary));
    if (failed(handler.verify()))
      return 1;
    if (compiled &&
        !writeOutputs(outputs, summary, options.outputDir, out, errs))
      return 1;
    return 0;
  }
  UserDiagnosticHandler handler(sourceMgr, &context, errs);
  if (failed(compile(compilation, kinds, last, extras, outputs, summary)))
    return 1;
  // With --emit or -o, stdout carries only the outputs: the auto ranking
  // goes to stderr.
  if (!extras.summary)
    errs << compilation.autoReport;
  return writeOutputs(outputs, summary, options.outputDir, out, errs) ? 0 : 1;
}

int pipecMain(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // pipec writes hundreds of megabytes on large plans.
  llvm::outs().SetBufferSize(kOutputBufferBytes);
  std::vector<llvm::StringRef> args(argv + 1, argv + argc);
  std::optional<Options> options = parseCommandLine(args, llvm::errs());
  if (!options)
    return 1;
  if (options->help) {
    printUsage(llvm::outs());
    return 0;
  }
  return runPipec(*options, llvm::outs(), llvm::errs());
}

} // namespace pipe::driver
