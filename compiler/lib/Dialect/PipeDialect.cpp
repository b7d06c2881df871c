//===- PipeDialect.cpp - Registers the pipe dialect's ops and attributes -===//
#include "pipe/Dialect/PipeOps.h"

using namespace mlir;
using namespace pipe;

#include "pipe/Dialect/PipeDialect.cpp.inc"

void PipeDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "pipe/Dialect/PipeOps.cpp.inc"
      >();
}

LogicalResult PipeDialect::verifyOperationAttribute(Operation *op,
                                                    NamedAttribute attr) {
  // Other pipe.* discardable attributes (e.g. partition annotations) are
  // checked by the passes that use them.
  if (attr.getName() != getSourceAttrName())
    return success();
  if (!isa<ModuleOp>(op))
    return op->emitError() << "'" << getSourceAttrName()
                           << "' is only valid on a builtin.module";
  if (!isa<StringAttr>(attr.getValue()))
    return op->emitError() << "'" << getSourceAttrName()
                           << "' must be a string naming the .pipe file";
  return success();
}
