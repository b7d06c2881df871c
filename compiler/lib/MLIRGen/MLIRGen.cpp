//===- MLIRGen.cpp - The checked model to pipe.model with one cell each --===//
//
// Values flow between cells by SSA: a cell yields each value it defines that
// a later cell (or the loss) uses, and later cells use the cell's results.
//
//===----------------------------------------------------------------------===//
#include "pipe/MLIRGen/MLIRGen.h"

#include "JobGen.h"
#include "pipe/Dialect/PipeOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using pipe::detail::locOr;

namespace pipe {
namespace {

class ModelGen {
public:
  ModelGen(OpBuilder &b, const dsl::Model &model, Location fallback)
      : b(b), model(model), fallback(fallback) {}

  /// Builds pipe.model at the builder's point; emits an error and returns
  /// failure if the model refers to values it never defined.
  LogicalResult build();

private:
  RankedTensorType typeOf(int id) const;
  /// The SSA value of value id `id`, or null (after an error) if undefined.
  Value lookup(int id, Location loc);
  LogicalResult genCell(const dsl::Cell &cell, ArrayRef<int> yielded);
  Value genOp(const dsl::OpNode &node, Location loc);
  /// For each cell, the ids it defines that later cells or the loss use.
  std::vector<std::vector<int>> escapingValues() const;

  OpBuilder &b;
  const dsl::Model &model;
  Location fallback;
  std::vector<Value> values; ///< by value id
};

} // namespace

static RankedTensorType toTensorType(MLIRContext *ctx,
                                     const dsl::TensorType &t) {
  return dsl::toMLIRType(ctx, t);
}

RankedTensorType ModelGen::typeOf(int id) const {
  return toTensorType(b.getContext(), model.values[id]);
}

Value ModelGen::lookup(int id, Location loc) {
  if (id < 0 || id >= (int)values.size() || !values[id]) {
    emitError(loc) << "internal error: value #" << id
                   << " is used before it is defined";
    return nullptr;
  }
  return values[id];
}

std::vector<std::vector<int>> ModelGen::escapingValues() const {
  std::vector<int> definedIn(model.values.size(), -1);
  for (auto [c, cell] : llvm::enumerate(model.cells))
    for (const dsl::OpNode &node : cell.ops)
      if (node.result >= 0 && node.result < (int)definedIn.size())
        definedIn[node.result] = c;
  std::vector<bool> escapes(model.values.size(), false);
  auto markIfFromOtherCell = [&](int id, int cell) {
    if (id >= 0 && id < (int)definedIn.size() && definedIn[id] >= 0 &&
        definedIn[id] != cell)
      escapes[id] = true;
  };
  for (auto [c, cell] : llvm::enumerate(model.cells))
    for (const dsl::OpNode &node : cell.ops)
      for (int operand : node.operands)
        markIfFromOtherCell(operand, c);
  markIfFromOtherCell(model.loss, /*cell=*/-1);
  std::vector<std::vector<int>> escaping(model.cells.size());
  for (auto [c, cell] : llvm::enumerate(model.cells))
    for (const dsl::OpNode &node : cell.ops)
      if (node.result >= 0 && node.result < (int)escapes.size() &&
          escapes[node.result])
        escaping[c].push_back(node.result);
  return escaping;
}

LogicalResult ModelGen::build() {
  MLIRContext *ctx = b.getContext();
  Location modelLoc = locOr(model.loc, fallback);
  if (model.loss < 0 || model.loss >= (int)model.values.size())
    return emitError(modelLoc) << "internal error: the model has no loss value";

  SmallVector<Type> inputTypes;
  SmallVector<StringRef> inputNames;
  SmallVector<Location> inputLocs;
  for (const dsl::ModelInput &in : model.inputs) {
    inputTypes.push_back(toTensorType(ctx, in.type));
    inputNames.push_back(in.name);
    inputLocs.push_back(locOr(in.loc, modelLoc));
  }
  auto fnType = FunctionType::get(ctx, inputTypes, {typeOf(model.loss)});
  auto op = ModelOp::create(b, modelLoc, model.name, fnType,
                            b.getStrArrayAttr(inputNames));
  OpBuilder::InsertionGuard guard(b);
  Block *body = b.createBlock(&op.getBody(), {}, inputTypes, inputLocs);

  values.assign(model.values.size(), nullptr);
  for (auto [i, arg] : llvm::enumerate(body->getArguments()))
    if (i < values.size())
      values[i] = arg;

  std::vector<std::vector<int>> escaping = escapingValues();
  for (auto [c, cell] : llvm::enumerate(model.cells))
    if (failed(genCell(cell, escaping[c])))
      return failure();
  Value loss = lookup(model.loss, modelLoc);
  if (!loss)
    return failure();
  ReturnOp::create(
      b,
      locOr(model.cells.empty() ? model.loc : model.cells.back().loc, modelLoc),
      loss);
  return success();
}

LogicalResult ModelGen::genCell(const dsl::Cell &cell, ArrayRef<int> yielded) {
  Location cellLoc = locOr(cell.loc, fallback);
  SmallVector<Type> resultTypes;
  for (int id : yielded)
    resultTypes.push_back(typeOf(id));
  auto cellOp = CellOp::create(b, cellLoc, resultTypes, cell.text);
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&cellOp.getBody());
    for (const dsl::OpNode &node : cell.ops) {
      Value result = genOp(node, locOr(node.loc, cellLoc));
      if (!result)
        return failure();
      if (node.result < 0 || node.result >= (int)values.size())
        return emitError(result.getLoc())
               << "internal error: op result has no value id";
      values[node.result] = result;
    }
    SmallVector<Value> yieldedValues;
    for (int id : yielded)
      yieldedValues.push_back(values[id]);
    YieldOp::create(b, cellLoc, yieldedValues);
  }
  for (auto [i, id] : llvm::enumerate(yielded))
    values[id] = cellOp.getResult(i);
  return success();
}

Value ModelGen::genOp(const dsl::OpNode &node, Location loc) {
  SmallVector<Value> operands;
  for (int id : node.operands) {
    Value v = lookup(id, loc);
    if (!v)
      return nullptr;
    operands.push_back(v);
  }
  if (node.result < 0 || node.result >= (int)model.values.size()) {
    emitError(loc) << "internal error: op result has no value id";
    return nullptr;
  }
  // Every op is built the same way: the front end filled in its attributes;
  // ops with parameters also get their stable `param` name. The verifier
  // then holds the op to its shape rule.
  OperationState state(loc, "pipe." + node.op);
  state.addOperands(operands);
  state.addTypes(typeOf(node.result));
  if (node.attrs)
    state.addAttributes(node.attrs.getValue());
  std::optional<RegisteredOperationName> name = state.name.getRegisteredInfo();
  if (!name) {
    emitError(loc) << "internal error: no op 'pipe." << node.op << "'";
    return nullptr;
  }
  if (llvm::any_of(name->getAttributeNames(),
                   [](StringAttr attr) { return attr.getValue() == "param"; }))
    state.addAttribute("param", b.getStringAttr(node.paramPrefix));
  return b.create(state)->getResult(0);
}

OwningOpRef<ModuleOp> mlirGen(MLIRContext &context,
                              const dsl::Program &program) {
  context.getOrLoadDialect<PipeDialect>();
  OpBuilder b(&context);
  Location fileLoc = FileLineColLoc::get(&context, program.file, 1, 1);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  module->getOperation()->setAttr(PipeDialect::getSourceAttrName(),
                                  b.getStringAttr(program.file));
  b.setInsertionPointToEnd(module->getBody());

  detail::genExterns(b, program, fileLoc);
  if (failed(ModelGen(b, program.model, fileLoc).build()))
    return nullptr;
  detail::genStrategy(b, program.strategy, locOr(program.model.loc, fileLoc));
  detail::genTrain(b, program.train, fileLoc);

  if (failed(verify(*module)))
    return nullptr;
  return module;
}

} // namespace pipe
