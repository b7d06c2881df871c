//===- PipeFuzz.cpp - libFuzzer entry: parse and analyze arbitrary bytes -===//
//
// Any input must end in a Program or in diagnostics, never in a crash, hang,
// or sanitizer report. A few `--set` overrides are derived from the input's
// first line so that the override path is fuzzed too.
//
//===----------------------------------------------------------------------===//
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "pipe/dsl/AST.h"
#include "pipe/dsl/Frontend.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cstddef>
#include <cstdint>

using namespace pipe::dsl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::MLIRContext *ctx = [] {
    auto *c = new mlir::MLIRContext(mlir::MLIRContext::Threading::DISABLED);
    return c;
  }();
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.pipe"),
                        llvm::SMLoc());
  // Swallow diagnostics, but render each one so the printing path runs too.
  mlir::ScopedDiagnosticHandler handler(ctx, [](mlir::Diagnostic &d) {
    (void)d.str();
    return mlir::success();
  });
  auto file = parseFile(sm, ctx);
  if (!file)
    return 0;
  std::string sink;
  llvm::raw_string_ostream os(sink);
  printAST(*file, os);
  // `#set KEY=VALUE` on the first line becomes a --set override.
  std::vector<Override> overrides;
  if (text.starts_with("#set ")) {
    llvm::StringRef kv = text.drop_front(5).split('\n').first;
    auto [key, value] = kv.split('=');
    overrides.push_back({key.str(), value.str()});
  }
  (void)analyze(*file, overrides, sm, ctx);
  return 0;
}
