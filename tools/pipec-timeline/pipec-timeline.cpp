//===- pipec-timeline.cpp - Draw a trace file as --emit=timeline does -----===//
//
// pipec-timeline FILE: FILE is pipec's trace.json (--emit=trace) or the
// generated program's --trace output; prints the same text chart as
// `pipec --emit=timeline`, so the prediction and the run compare side by
// side.
//===----------------------------------------------------------------------===//
#include "pipe/Plan/Timeline.h"
#include "pipe/Plan/Trace.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: pipec-timeline FILE (a trace.json of pipec or of "
                    "a generated program's --trace)\n";
    return 1;
  }
  auto buffer = llvm::MemoryBuffer::getFile(argv[1]);
  if (!buffer) {
    llvm::errs() << "error: cannot read " << argv[1] << ": "
                 << buffer.getError().message() << "\n";
    return 1;
  }
  llvm::Expected<pipe::plan::TraceStep> step =
      pipe::plan::readTraceJson((*buffer)->getBuffer(), argv[1]);
  if (!step) {
    llvm::errs() << "error: " << llvm::toString(step.takeError()) << "\n";
    return 1;
  }
  llvm::outs() << pipe::plan::renderTimeline(step->sim, step->stages);
  return 0;
}
