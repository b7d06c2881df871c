//===- PipeEnums.h - The strategy enums (pipe::ScheduleKind, ...) -------===//
//
// Generated from PipeEnums.td. Needs only LLVM's ADT headers, so the
// MLIR-free planning library and the front end include it too.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DIALECT_PIPEENUMS_H
#define PIPE_DIALECT_PIPEENUMS_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>

#include "pipe/Dialect/PipeEnums.h.inc"

#endif // PIPE_DIALECT_PIPEENUMS_H
