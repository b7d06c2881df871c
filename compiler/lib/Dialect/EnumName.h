//===- EnumName.h - Enum attributes written as their quoted names -------===//
//
// The custom<EnumName> and custom<ScheduleName> assembly directives: a
// strategy enum prints as its name in quotes (`schedule = "zb-h1"`), the
// form the IR had when these were strings, and an unknown name is an error
// that lists the known ones. Included where the ops' generated parsers are.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DIALECT_ENUMNAME_H
#define PIPE_DIALECT_ENUMNAME_H

#include "pipe/Dialect/PipeOps.h"
#include "pipe/Plan/ScheduleTable.h"

#include "mlir/IR/OpImplementation.h"

#include <string>
#include <utility>

namespace pipe {

/// Parses `"name"` into an enum attribute; `known` lists the accepted names.
template <typename AttrT>
mlir::ParseResult parseNamed(mlir::OpAsmParser &parser, AttrT &attr,
                             llvm::ArrayRef<std::string> known) {
  using EnumT = decltype(std::declval<AttrT>().getValue());
  llvm::SMLoc loc = parser.getCurrentLocation();
  std::string name;
  if (parser.parseString(&name))
    return mlir::failure();
  std::optional<EnumT> value = symbolizeEnum<EnumT>(name);
  if (!value || !llvm::is_contained(known, name)) {
    mlir::InFlightDiagnostic diag = parser.emitError(loc)
                                    << "unknown " << AttrT::getMnemonic()
                                    << " '" << name << "' (expected ";
    llvm::interleave(known, diag, ", ");
    return diag << ")";
  }
  attr = AttrT::get(parser.getContext(), *value);
  return mlir::success();
}

/// Every name of the enum behind AttrT, in declaration order.
template <typename AttrT> std::vector<std::string> enumNames() {
  using EnumT = decltype(std::declval<AttrT>().getValue());
  std::vector<std::string> names;
  for (uint32_t i = 0; !stringifyEnum(static_cast<EnumT>(i)).empty(); ++i)
    names.push_back(stringifyEnum(static_cast<EnumT>(i)).str());
  return names;
}

template <typename AttrT>
mlir::ParseResult parseEnumName(mlir::OpAsmParser &parser, AttrT &attr) {
  return parseNamed(parser, attr, enumNames<AttrT>());
}

template <typename AttrT>
void printEnumName(mlir::OpAsmPrinter &printer, mlir::Operation *, AttrT attr) {
  printer.printString(stringifyEnum(attr.getValue()));
}

/// A pipe.schedule names a row of the schedule table (never `auto`).
inline mlir::ParseResult parseScheduleName(mlir::OpAsmParser &parser,
                                           ScheduleKindAttr &attr) {
  std::vector<std::string> rows;
  for (const plan::ScheduleInfo &row : plan::scheduleTable())
    rows.push_back(plan::scheduleName(row.kind));
  return parseNamed(parser, attr, rows);
}

inline void printScheduleName(mlir::OpAsmPrinter &printer, mlir::Operation *op,
                              ScheduleKindAttr attr) {
  printEnumName(printer, op, attr);
}

} // namespace pipe

#endif // PIPE_DIALECT_ENUMNAME_H
