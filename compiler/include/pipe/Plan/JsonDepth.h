//===- JsonDepth.h - Bounding JSON nesting before llvm::json::parse -------===//
//
// llvm::json::parse recurses once per nested array or object, so a file
// nested 100,000 deep would overflow the stack. Profiles nest two levels;
// every JSON input pipec reads is checked with this first.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_JSONDEPTH_H
#define PIPE_PLAN_JSONDEPTH_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace pipe::plan {

/// Deepest nesting of arrays and objects accepted in a JSON input.
constexpr unsigned kMaxJsonDepth = 64;

/// An error naming `what` and the line and column where `text` nests deeper
/// than `maxDepth`; success otherwise (including for invalid JSON, which the
/// parser reports).
llvm::Error checkJsonDepth(llvm::StringRef text, llvm::StringRef what,
                           unsigned maxDepth = kMaxJsonDepth);

} // namespace pipe::plan

#endif // PIPE_PLAN_JSONDEPTH_H
