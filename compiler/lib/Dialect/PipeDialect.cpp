//===- PipeDialect.cpp - Registers the pipe dialect's ops and attributes -===//
#include "pipe/Dialect/PipeOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace pipe;

#include "pipe/Dialect/PipeDialect.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "pipe/Dialect/PipeAttrs.cpp.inc"

/// `<"name">`, the generic form of every strategy enum attribute.
template <typename AttrT> static Attribute parseQuotedEnum(AsmParser &parser) {
  using EnumT = decltype(std::declval<AttrT>().getValue());
  std::string name;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeywordOrString(&name) ||
      parser.parseGreater())
    return {};
  std::optional<EnumT> value = symbolizeEnum<EnumT>(name);
  if (!value) {
    parser.emitError(loc) << "unknown " << AttrT::getMnemonic() << " '" << name
                          << "'";
    return {};
  }
  return AttrT::get(parser.getContext(), *value);
}

template <typename AttrT>
static void printQuotedEnum(AsmPrinter &printer, AttrT attr) {
  printer << '<';
  printer.printString(stringifyEnum(attr.getValue()));
  printer << '>';
}

#define PIPE_QUOTED_ENUM_ATTR(AttrT)                                           \
  Attribute AttrT::parse(AsmParser &parser, Type) {                            \
    return parseQuotedEnum<AttrT>(parser);                                     \
  }                                                                            \
  void AttrT::print(AsmPrinter &printer) const {                               \
    printQuotedEnum(printer, *this);                                           \
  }
PIPE_QUOTED_ENUM_ATTR(ScheduleKindAttr)
PIPE_QUOTED_ENUM_ATTR(PartitionKindAttr)
PIPE_QUOTED_ENUM_ATTR(PrecisionAttr)
PIPE_QUOTED_ENUM_ATTR(OptimizerKindAttr)
PIPE_QUOTED_ENUM_ATTR(LrScheduleKindAttr)
#undef PIPE_QUOTED_ENUM_ATTR

void PipeDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "pipe/Dialect/PipeOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "pipe/Dialect/PipeAttrs.cpp.inc"
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
