//===- CellCosts.cpp - pipe dialect -> plan::ModelDesc, device, optimizer -===//
#include "pipe/Transforms/CellCosts.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"
#include "pipe/Plan/StageMemory.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

#include <map>

using namespace mlir;

namespace pipe {

std::string formatCellLoc(Location loc) {
  std::string text;
  loc->walk([&](Location inner) {
    if (auto file = dyn_cast<FileLineColLoc>(inner)) {
      text = (file.getFilename().getValue() + ":" + Twine(file.getLine()) +
              ":" + Twine(file.getColumn()))
                 .str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return text;
}

FailureOr<ModelOp> getModel(ModuleOp module, StringRef pass) {
  auto models = module.getOps<ModelOp>();
  if (models.empty())
    return module.emitError() << pass << " needs a pipe.model";
  ModelOp model = *models.begin();
  if (!llvm::hasSingleElement(models))
    return (*std::next(models.begin()))
               .emitOpError()
               .append("is the module's second pipe.model")
               .attachNote(model.getLoc())
           << "the first is here";
  return model;
}

FailureOr<plan::DeviceProfile> loadDevice(StrategyOp strategy) {
  llvm::Expected<plan::DeviceProfile> device =
      strategy.getDeviceIsFile()
          ? plan::loadDeviceProfileFile(strategy.getDevice())
          : plan::builtinDeviceProfile(strategy.getDevice());
  if (!device)
    return strategy.emitError() << llvm::toString(device.takeError());
  return *device;
}

plan::Optimizer getOptimizer(ModuleOp module) {
  auto trains = module.getOps<TrainOp>();
  if (trains.empty())
    return plan::Optimizer::AdamW;
  TrainOp train = *trains.begin();
  if (train.getOptimizer() == OptimizerKind::AdamW)
    return plan::Optimizer::AdamW;
  return train.getMomentum().convertToDouble() != 0.0
             ? plan::Optimizer::SGDMomentum
             : plan::Optimizer::SGD;
}

namespace {

/// Builds the ModelDesc: one id per SSA value, OpDescs in cell order.
class ModelDescriber {
public:
  ModelDescriber(ModelOp model, int64_t batch, int floatBytes)
      : model(model), batch(batch), floatBytes(floatBytes) {}

  FailureOr<plan::ModelDesc> run() {
    desc.name = model.getSymName().str();
    for (Value input : model.getInputs())
      if (failed(define(input, model.getLoc())))
        return failure();
    desc.numInputs = int(desc.values.size());
    for (CellOp cell : model.getCells())
      if (failed(describeCell(cell)))
        return failure();
    if (ReturnOp ret = model.getReturnOp())
      for (Value v : ret->getOperands())
        if (auto it = ids.find(v); it != ids.end())
          desc.outputs.push_back(it->second);
    return std::move(desc);
  }

private:
  LogicalResult define(Value value, Location loc) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type)
      return emitError(loc)
             << "pipe-partition needs ranked tensors, got " << value.getType();
    plan::TensorDesc t;
    for (int64_t d : type.getShape())
      t.dims.push_back(ShapedType::isDynamic(d) ? batch : d);
    t.isInt = type.getElementType().isInteger();
    ids[value] = int(desc.values.size());
    desc.values.push_back(std::move(t));
    return success();
  }

  FailureOr<int> idOf(Value value, Operation *user) {
    auto it = ids.find(value);
    if (it == ids.end()) // a stage's argument or result, once partitioned
      it = ids.find(sourceValue(value));
    if (it == ids.end())
      return user->emitOpError()
             << "uses a value defined outside the model's inputs and cells";
    return it->second;
  }

  LogicalResult describeCell(CellOp cell) {
    plan::CellDesc c;
    c.name = cell.getName().str();
    c.loc = formatCellLoc(cell.getLoc());
    for (Operation &op : cell.getBody().front()) {
      if (auto yield = dyn_cast<YieldOp>(op)) {
        for (auto [inner, outer] :
             llvm::zip_equal(yield.getValues(), cell.getResults())) {
          FailureOr<int> id = idOf(inner, yield);
          if (failed(id))
            return failure();
          ids[outer] = *id; // later cells read the yielded value itself
          c.results.push_back(*id);
        }
        continue;
      }
      FailureOr<plan::OpDesc> o = describeOp(&op);
      if (failed(o))
        return failure();
      c.ops.push_back(std::move(*o));
    }
    desc.cells.push_back(std::move(c));
    return success();
  }

  /// The op's operands and result by id, and its cost from the op itself.
  FailureOr<plan::OpDesc> describeOp(Operation *op) {
    auto facts = dyn_cast<ModelOpInterface>(op);
    if (!facts)
      return op->emitOpError()
             << "is not an op the cost model knows (inside a pipe.cell)";
    plan::OpDesc o;
    FailureOr<plan::OpCost> cost = facts.getCost(batch, floatBytes);
    if (failed(cost))
      return failure();
    o.cost = std::move(*cost);
    // A parameter owned by an earlier op (a tied table): which cell holds it.
    SmallVector<ParamSpec> specs;
    facts.getParams(specs);
    if (auto prefix = op->getAttrOfType<StringAttr>("param"))
      for (const ParamSpec &spec : specs)
        paramCell[(prefix.getValue() + "." + spec.suffix).str()] =
            int(desc.cells.size());
    o.tiedParam = facts.getTiedParam();
    if (!o.tiedParam.empty()) {
      auto owner = paramCell.find(o.tiedParam);
      if (owner == paramCell.end())
        return op->emitOpError() << "reads parameter '" << o.tiedParam
                                 << "', which no earlier op of the model holds";
      o.tiedOwnerCell = owner->second;
    }
    if (op->getNumResults() != 1)
      return op->emitOpError() << "must have exactly one result";
    for (Value operand : op->getOperands()) {
      FailureOr<int> id = idOf(operand, op);
      if (failed(id))
        return failure();
      o.operands.push_back(*id);
      o.inputs.push_back(desc.values[*id]);
    }
    if (failed(define(op->getResult(0), op->getLoc())))
      return failure();
    o.output = desc.values.back();
    o.result = int(desc.values.size()) - 1;
    o.savedFloats = facts.getSavedFloats(batch);
    o.wsavedFloats = facts.getWSavedFloats(batch);
    if (op->getAttrOfType<StringAttr>("param")) {
      SmallVector<ParamSpec> params;
      facts.getParams(params);
      for (const ParamSpec &p : params)
        o.paramTensors.push_back(p.elements);
    }
    return o;
  }

  ModelOp model;
  int64_t batch;
  int floatBytes;
  plan::ModelDesc desc;
  llvm::DenseMap<Value, int> ids;
  std::map<std::string, int> paramCell; ///< parameter name -> owning cell
};

} // namespace

FailureOr<plan::ModelDesc> describeModel(ModelOp model, int64_t batch,
                                         int floatBytes) {
  return ModelDescriber(model, batch, floatBytes).run();
}

FailureOr<std::vector<plan::CellCost>>
estimateModelCosts(ModelOp model, StrategyOp strategy,
                   const plan::DeviceProfile &device) {
  plan::Optimizer optimizer = getOptimizer(model->getParentOfType<ModuleOp>());
  if (failed(checkCostSizes(model, strategy)))
    return failure();
  FailureOr<plan::ModelDesc> desc = describeModel(
      model, strategy.getBatch(), device.floatBytes(strategy.getPrecision()));
  if (failed(desc))
    return failure();
  return plan::estimateCellCosts(*desc, device, strategy.getPrecision(),
                                 optimizer);
}

plan::MemoryBackend memoryBackend(StrategyOp strategy) {
  FailureOr<plan::DeviceProfile> device = loadDevice(strategy);
  return succeeded(device) ? plan::memoryBackendFor(*device)
                           : plan::MemoryBackend::Cuda;
}

/// The model's buffer plan for the partitioner, and each rank's base bytes.
static void attachMemoryModel(StrategyOp strategy,
                              plan::PartitionRequest &request) {
  auto module = strategy->getParentOfType<ModuleOp>();
  auto models = module.getOps<ModelOp>();
  if (models.empty())
    return;
  // The buffer plan counts 4 bytes per element whatever floatBytes is.
  FailureOr<plan::ModelDesc> desc =
      describeModel(*models.begin(), strategy.getBatch(), 4);
  if (failed(desc))
    return;
  request.memory =
      std::make_shared<plan::StageMemoryTable>(*desc, request.recompute);
  request.rankBaseBytes =
      plan::rankBaseBytes(*desc, int(strategy.getMicrobatches()),
                          memoryBackend(strategy));
}

plan::PartitionRequest partitionRequest(StrategyOp strategy,
                                        const std::vector<int> &stageRank,
                                        int64_t capacityBytes) {
  plan::PartitionRequest request;
  request.ranks = int(strategy.getRanks());
  request.stageRank = stageRank;
  request.recompute = strategy.getRecompute();
  request.capacityBytes = capacityBytes;
  // Under auto (before the search resolves it) the partitioner's bound is
  // 1F1B's.
  plan::ScheduleKind kind = strategy.getSchedule() == ScheduleKind::Auto
                                ? plan::ScheduleKind::OneFOneB
                                : strategy.getSchedule();
  std::vector<int> inFlight = plan::scheduleInFlight(
      kind, request.ranks, int(strategy.getVirtualStages()),
      int(strategy.getMicrobatches()));
  // scheduleInFlight follows the schedule's standard placement; a recorded
  // placement with another stage count (hand-written IR) falls back to the
  // 1F1B bound.
  if (inFlight.size() == stageRank.size())
    request.inFlight.assign(inFlight.begin(), inFlight.end());
  else
    request.inFlight = plan::oneFOneBInFlight(stageRank, request.ranks,
                                              int(strategy.getMicrobatches()));
  attachMemoryModel(strategy, request);
  return request;
}

} // namespace pipe
