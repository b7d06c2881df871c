//===- PassRegistration.cpp - registerPipePasses() over Passes.td --------===//
//
// The generated registration lives in a nested namespace so that Passes.h can
// declare registerPipePasses() as an ordinary function of this library.
//
//===----------------------------------------------------------------------===//
#include "pipe/Transforms/Passes.h"
#include "pipe/Transforms/Pipeline.h"

namespace pipe {
namespace generated {
#define GEN_PASS_REGISTRATION
#include "pipe/Transforms/Passes.h.inc"
} // namespace generated

void registerPipePasses() {
  generated::registerPipePasses();
  registerCompilePipeline();
}
} // namespace pipe
