//===- PipeModelOps.cpp - pipe.model / pipe.cell: assembly and verifiers -===//
#include "EnumName.h"
#include "pipe/Dialect/PipeOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace pipe;

#define GET_OP_CLASSES
#include "pipe/Dialect/PipeOps.cpp.inc"

//===----------------------------------------------------------------------===//
// ModelOp
//===----------------------------------------------------------------------===//

// pipe.model @name(%in: type, ...) -> type attributes {...} { body }
ParseResult ModelOp::parse(OpAsmParser &parser, OperationState &result) {
  MLIRContext *ctx = parser.getContext();
  StringAttr name;
  if (parser.parseSymbolName(name, getSymNameAttrName(result.name),
                             result.attributes))
    return failure();
  SmallVector<OpAsmParser::Argument> inputs;
  if (parser.parseArgumentList(inputs, OpAsmParser::Delimiter::Paren,
                               /*allowType=*/true, /*allowAttrs=*/false))
    return failure();
  Type lossType;
  if (parser.parseArrow() || parser.parseType(lossType) ||
      parser.parseOptionalAttrDictWithKeyword(result.attributes))
    return failure();

  SmallVector<Type> inputTypes;
  SmallVector<Attribute> inputNames;
  for (OpAsmParser::Argument &input : inputs) {
    inputTypes.push_back(input.type);
    // The SSA name, without its '%', is the input's name in the .pipe file.
    inputNames.push_back(StringAttr::get(ctx, input.ssaName.name.drop_front()));
  }
  result.attributes.set(
      getFunctionTypeAttrName(result.name),
      TypeAttr::get(FunctionType::get(ctx, inputTypes, lossType)));
  result.attributes.set(getInputNamesAttrName(result.name),
                        ArrayAttr::get(ctx, inputNames));
  Region *body = result.addRegion();
  return parser.parseRegion(*body, inputs, /*enableNameShadowing=*/false);
}

void ModelOp::print(OpAsmPrinter &p) {
  p << ' ';
  p.printSymbolName(getSymName());
  p << '(';
  llvm::interleaveComma(getInputs(), p,
                        [&](BlockArgument in) { p.printRegionArgument(in); });
  p << ") -> ";
  ArrayRef<Type> results = getFunctionType().getResults();
  if (results.size() == 1)
    p << results.front();
  else
    p << '(' << results << ')';
  p.printOptionalAttrDictWithKeyword(
      (*this)->getAttrs(), {getSymNameAttrName(), getFunctionTypeAttrName(),
                            getInputNamesAttrName()});
  p << ' ';
  p.printRegion(getBody(), /*printEntryBlockArgs=*/false,
                /*printBlockTerminators=*/true);
}

void ModelOp::getAsmBlockArgumentNames(Region &region,
                                       OpAsmSetValueNameFn setNameFn) {
  ArrayAttr names = getInputNames();
  for (auto [arg, name] : llvm::zip(region.getArguments(), names))
    if (auto str = dyn_cast<StringAttr>(name); str && !str.getValue().empty())
      setNameFn(arg, str.getValue());
}

llvm::iterator_range<Block::op_iterator<CellOp>> ModelOp::getCells() {
  return getBody().front().getOps<CellOp>();
}

ReturnOp ModelOp::getReturnOp() {
  Block &block = getBody().front();
  return block.empty() ? ReturnOp() : dyn_cast<ReturnOp>(block.back());
}

/// A model input: i32 or f32, the batch dim first and dynamic, the rest static.
static LogicalResult verifyInputType(ModelOp model, unsigned index,
                                     StringRef name, Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  auto fail = [&]() {
    return model.emitOpError()
           << "input #" << index << " ('" << name << "') must be a tensor of "
           << "i32 or f32 with a dynamic batch dimension first and static "
           << "dimensions after it, got " << type;
  };
  if (!tensor || tensor.getRank() < 1 ||
      (!tensor.getElementType().isInteger(32) &&
       !tensor.getElementType().isF32()))
    return fail();
  if (!tensor.isDynamicDim(0))
    return fail();
  for (int64_t d = 1; d < tensor.getRank(); ++d)
    if (tensor.isDynamicDim(d) || tensor.getDimSize(d) < 1)
      return fail();
  return success();
}

LogicalResult ModelOp::verify() {
  FunctionType type = getFunctionType();
  Block &block = getBody().front();
  if (type.getNumResults() != 1 || !isa<RankedTensorType>(type.getResult(0)) ||
      cast<RankedTensorType>(type.getResult(0)).getRank() != 0 ||
      !cast<RankedTensorType>(type.getResult(0)).getElementType().isF32())
    return emitOpError() << "must return one scalar loss of type "
                            "tensor<f32>, declared "
                         << type.getResults();
  if (type.getNumInputs() != block.getNumArguments())
    return emitOpError() << "declares " << type.getNumInputs()
                         << " inputs but its body has "
                         << block.getNumArguments() << " arguments";
  if (getInputNames().size() != type.getNumInputs())
    return emitOpError() << "has " << getInputNames().size()
                         << " input names for " << type.getNumInputs()
                         << " inputs";
  for (auto [i, in] : llvm::enumerate(type.getInputs())) {
    if (block.getArgument(i).getType() != in)
      return emitOpError() << "input #" << i << " is declared " << in
                           << " but its block argument has type "
                           << block.getArgument(i).getType();
    StringRef name = cast<StringAttr>(getInputNames()[i]).getValue();
    if (failed(verifyInputType(*this, i, name, in)))
      return failure();
  }
  if (block.empty() || !isa<ReturnOp>(block.back()))
    return emitOpError() << "body must end with pipe.return of the loss";
  for (Operation &op : block.without_terminator())
    if (!isa<CellOp>(op))
      return op.emitOpError()
             << "cannot appear directly in a pipe.model; the model body "
                "holds only pipe.cell ops and pipe.return";
  return success();
}

//===----------------------------------------------------------------------===//
// CellOp
//===----------------------------------------------------------------------===//

YieldOp CellOp::getYieldOp() {
  Block &block = getBody().front();
  return block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
}

/// Names a cell's results after the variable its statement binds ("x = ...")
/// or "loss" for the final `return`, so printed IR reads like the source.
void CellOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  if (getNumResults() == 0)
    return;
  StringRef text = getName().ltrim();
  StringRef ident =
      text.take_while([](char c) { return llvm::isAlnum(c) || c == '_'; });
  std::string base;
  if (ident == "return")
    base = "loss";
  else if (!ident.empty() && !llvm::isDigit(ident.front()) &&
           text.drop_front(ident.size()).ltrim().starts_with("="))
    base = ident.str();
  if (base.empty())
    return;
  for (Value result : getResults())
    setNameFn(result, base);
}

LogicalResult CellOp::verify() {
  if (getName().empty())
    return emitOpError() << "needs the statement text as its name";
  YieldOp yield = getYieldOp();
  if (!yield)
    return emitOpError() << "body must end with pipe.yield";
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError() << "yields (" << yield.getValues().getTypes()
                         << ") but its results are (" << getResultTypes()
                         << ")";
  for (Operation &op : getBody().front().without_terminator())
    if (!op.hasTrait<::pipe::OpTrait::ComputeOp>())
      return op.emitOpError()
             << "cannot appear in a pipe.cell; cells hold only the built-in "
                "ops and pipe.extern_call";
  return success();
}
