//===- PipeEnums.cpp - The strategy enums' symbolizers (from ODS) -------===//
//
// Compiled into the planning library, the lowest library that uses them, so
// the front end, the dialect and the planner share one definition.
//
//===----------------------------------------------------------------------===//
#include "pipe/Dialect/PipeEnums.h"

#include "llvm/ADT/StringSwitch.h"

#include "pipe/Dialect/PipeEnums.cpp.inc"
