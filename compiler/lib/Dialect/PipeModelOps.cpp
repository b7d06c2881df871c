//===- PipeModelOps.cpp - pipe.model / pipe.cell: assembly and verifiers -===//
#include "EnumName.h"
#include "pipe/Dialect/PipeOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

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

SmallVector<CellOp> ModelOp::getCells() {
  SmallVector<CellOp> cells;
  for (Operation &op : getBody().front()) {
    if (auto cell = dyn_cast<CellOp>(op))
      cells.push_back(cell);
    else if (auto stage = dyn_cast<StageOp>(op))
      llvm::append_range(cells, stage.getCells());
  }
  return cells;
}

llvm::DenseMap<StringAttr, int> ModelOp::getStageIndex() {
  llvm::DenseMap<StringAttr, int> index;
  for (auto [s, stage] : llvm::enumerate(getStages()))
    index.try_emplace(stage.getSymNameAttr(), static_cast<int>(s));
  return index;
}

Value pipe::sourceValue(Value v) {
  while (true) {
    if (auto cell = v.getDefiningOp<CellOp>()) {
      v = cell.getYieldOp()->getOperand(cast<OpResult>(v).getResultNumber());
      continue;
    }
    if (auto stage = v.getDefiningOp<StageOp>()) {
      v = stage.getYieldOp()->getOperand(cast<OpResult>(v).getResultNumber());
      continue;
    }
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg)
      return v;
    auto stage = dyn_cast_or_null<StageOp>(arg.getOwner()->getParentOp());
    if (!stage)
      return v; // a model input
    v = stage.getInputs()[arg.getArgNumber()];
  }
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

/// A partitioned model: every cell inside a stage (so each stage is a
/// contiguous run of cells), each stage's arguments exactly the previous
/// stage's results, the first stage without arguments, and the loss
/// returned from the last stage.
static LogicalResult verifyStages(ModelOp model) {
  Block &block = model.getBody().front();
  StageOp previous;
  llvm::StringMap<StageOp> names;
  for (Operation &op : block.without_terminator()) {
    if (isa<CellOp>(op))
      return op.emitOpError()
             << "sits outside the stages of a partitioned model; every cell "
                "of a pipe.model with pipe.stage ops is in exactly one stage, "
                "so that a stage is a contiguous run of cells";
    auto stage = cast<StageOp>(op);
    auto [it, inserted] = names.try_emplace(stage.getSymName(), stage);
    if (!inserted)
      return stage.emitOpError()
                 .append("repeats the stage name @", stage.getSymName())
                 .attachNote(it->second.getLoc())
             << "the first stage of that name is here";
    ValueRange expected =
        previous ? ValueRange(previous.getResults()) : ValueRange();
    if (ValueRange(stage.getInputs()) != expected) {
      InFlightDiagnostic diag = stage.emitOpError();
      if (!previous)
        return diag << "is the first stage, which takes no arguments (only "
                       "model inputs cross into it)";
      return diag.append("takes (", stage.getInputs(),
                         ") but the values "
                         "crossing the cut before it are the results of "
                         "stage @",
                         previous.getSymName(), ", in order (",
                         previous.getNumResults(), " values)")
                 .attachNote(previous.getLoc())
             << "the previous stage is here";
    }
    previous = stage;
  }
  ReturnOp ret = model.getReturnOp();
  if (previous.getNumResults() != 1 || ret.getLoss() != previous.getResult(0))
    return ret.emitOpError() << "must return the last stage's single result "
                                "(the loss) in a partitioned model";
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
    if (!isa<CellOp, StageOp>(op))
      return op.emitOpError()
             << "cannot appear directly in a pipe.model; the model body "
                "holds only pipe.cell ops (or, once partitioned, pipe.stage "
                "ops) and pipe.return";
  if (getStages().empty())
    return success();
  return verifyStages(*this);
}

//===----------------------------------------------------------------------===//
// CellOp
//===----------------------------------------------------------------------===//

YieldOp CellOp::getYieldOp() {
  Block &block = getBody().front();
  return block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
}

/// The variable a cell's statement binds ("x = ...") or "loss" for the
/// final `return`; empty when it binds none.
static std::string boundName(CellOp cell) {
  StringRef text = cell.getName().ltrim();
  StringRef ident =
      text.take_while([](char c) { return llvm::isAlnum(c) || c == '_'; });
  std::string base;
  if (ident == "return")
    base = "loss";
  else if (!ident.empty() && !llvm::isDigit(ident.front()) &&
           text.drop_front(ident.size()).ltrim().starts_with("="))
    base = ident.str();
  return base;
}

/// Names a cell's results after the variable its statement binds, so
/// printed IR reads like the source.
void CellOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  std::string base = boundName(*this);
  if (base.empty())
    return;
  for (Value result : getResults())
    setNameFn(result, base);
}

//===----------------------------------------------------------------------===//
// StageOp
//===----------------------------------------------------------------------===//

YieldOp StageOp::getYieldOp() {
  Block &block = getBody().front();
  return block.empty() ? YieldOp() : dyn_cast<YieldOp>(block.back());
}

/// A value crossing a cut is named after the cell statement defining it.
static void nameCutValue(Value v, Value named, OpAsmSetValueNameFn setNameFn) {
  Value source = sourceValue(v);
  Operation *def = source.getDefiningOp();
  auto cell = def ? def->getParentOfType<CellOp>() : CellOp();
  if (!cell)
    return;
  std::string base = boundName(cell);
  if (!base.empty())
    setNameFn(named, base);
}

void StageOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  if (!getYieldOp())
    return;
  for (Value result : getResults())
    nameCutValue(result, result, setNameFn);
}

void StageOp::getAsmBlockArgumentNames(Region &region,
                                       OpAsmSetValueNameFn setNameFn) {
  if (region.empty())
    return;
  for (auto [arg, input] : llvm::zip(region.getArguments(), getInputs()))
    nameCutValue(input, arg, setNameFn);
}

/// A stage's or cell's body ends with a pipe.yield of its result types.
static LogicalResult verifyYield(Operation *op, YieldOp yield) {
  if (!yield)
    return op->emitOpError() << "body must end with pipe.yield";
  if (yield.getValues().getTypes() != op->getResultTypes())
    return op->emitOpError()
           << "yields (" << yield.getValues().getTypes()
           << ") but its results are (" << op->getResultTypes() << ")";
  return success();
}

LogicalResult StageOp::verify() {
  Block &block = getBody().front();
  if (block.getArgumentTypes() != getInputs().getTypes())
    return emitOpError() << "has block arguments (" << block.getArgumentTypes()
                         << ") that differ from its inputs ("
                         << getInputs().getTypes() << ")";
  if (failed(verifyYield(*this, getYieldOp())))
    return failure();
  for (Operation &op : block.without_terminator())
    if (!isa<CellOp>(op))
      return op.emitOpError() << "cannot appear in a pipe.stage; a stage "
                                 "holds only pipe.cell ops and pipe.yield";
  if (getCells().empty())
    return emitOpError() << "holds no cell; a stage is a non-empty run of "
                            "cells";
  return success();
}

/// The boundary is explicit: a value from outside the stage is either one of
/// its arguments or a model input.
LogicalResult StageOp::verifyRegions() {
  Region &body = getBody();
  WalkResult walk =
      body.walk([&](Operation *op) {
        for (Value operand : op->getOperands()) {
          if (body.isAncestor(operand.getParentRegion()))
            continue;
          auto arg = dyn_cast<BlockArgument>(operand);
          if (arg && isa<ModelOp>(arg.getOwner()->getParentOp()))
            continue;
          op->emitOpError()
              << "uses a value defined outside stage @" << getSymName()
              << " that is not one of its arguments: a value crossing a cut "
                 "must be a stage argument";
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
  return failure(walk.wasInterrupted());
}

LogicalResult CellOp::verify() {
  if (getName().empty())
    return emitOpError() << "needs the statement text as its name";
  if (failed(verifyYield(*this, getYieldOp())))
    return failure();
  for (Operation &op : getBody().front().without_terminator())
    if (!op.hasTrait<::pipe::OpTrait::ComputeOp>())
      return op.emitOpError()
             << "cannot appear in a pipe.cell; cells hold only the built-in "
                "ops and pipe.extern_call";
  return success();
}
