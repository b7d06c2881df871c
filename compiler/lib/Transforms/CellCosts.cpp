//===- CellCosts.cpp - pipe dialect -> plan::ModelDesc, device, optimizer -===//
#include "pipe/Transforms/CellCosts.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace pipe {

/// Per-element arithmetic assumed for an extern op whose declaration does not
/// carry the counts (front ends that do not parse the CUDA body): combining k
/// inputs takes k - 1 operations plus one for the op itself in forward; the
/// backward forms one partial per input (two operations: evaluate and scale
/// by dy).
static double defaultExternFwdFlops(int k) { return double(k); }
static double defaultExternBwdFlops(int k) { return 2.0 * k; }

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
  ModelDescriber(ModelOp model, int64_t batch) : model(model), batch(batch) {}

  FailureOr<plan::ModelDesc> run() {
    desc.name = model.getSymName().str();
    for (Value input : model.getInputs())
      if (failed(define(input, model.getLoc())))
        return failure();
    desc.numInputs = int(desc.values.size());
    for (CellOp cell : model.getCells())
      if (failed(describeCell(cell)))
        return failure();
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

  FailureOr<plan::OpDesc> describeOp(Operation *op) {
    plan::OpDesc o;
    LogicalResult known =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case([&](EmbeddingOp e) {
              o.kind = plan::OpKind::Embedding;
              o.vocab = e.getVocab();
              o.dim = e.getDim();
              o.positional = e.getPositional();
              return success();
            })
            .Case([&](LinearOp l) {
              o.kind = plan::OpKind::Linear;
              o.outFeatures = l.getOutFeatures();
              o.bias = l.getBias();
              return success();
            })
            .Case([&](LayerNormOp) { return kind(o, plan::OpKind::LayerNorm); })
            .Case([&](RMSNormOp) { return kind(o, plan::OpKind::RMSNorm); })
            .Case([&](GeluOp) { return kind(o, plan::OpKind::Gelu); })
            .Case([&](ReluOp) { return kind(o, plan::OpKind::Relu); })
            .Case([&](SiluOp) { return kind(o, plan::OpKind::Silu); })
            .Case([&](AddOp) { return kind(o, plan::OpKind::Add); })
            .Case([&](MulOp) { return kind(o, plan::OpKind::Mul); })
            .Case([&](AttentionOp a) {
              o.kind = plan::OpKind::Attention;
              o.heads = a.getHeads();
              o.kvHeads = a.getKvHeads();
              o.causal = a.getCausal();
              o.rope = a.getRope();
              return success();
            })
            .Case([&](CrossEntropyOp) {
              return kind(o, plan::OpKind::CrossEntropy);
            })
            .Case([&](MseOp) { return kind(o, plan::OpKind::Mse); })
            .Case([&](ExternCallOp call) { return describeExtern(call, o); })
            .Default([&](Operation *other) {
              return other->emitOpError() << "is not an op the cost model "
                                             "knows (inside a pipe.cell)";
            });
    if (failed(known))
      return failure();
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
    return o;
  }

  static LogicalResult kind(plan::OpDesc &o, plan::OpKind k) {
    o.kind = k;
    return success();
  }

  /// An optional numeric attribute of the extern declaration, >= 0.
  static FailureOr<std::optional<double>> flopsAttr(ExternDeclOp decl,
                                                    StringRef name) {
    Attribute attr = decl->getAttr(name);
    if (!attr)
      return std::optional<double>();
    double value = -1;
    if (auto f = dyn_cast<FloatAttr>(attr))
      value = f.getValueAsDouble();
    else if (auto i = dyn_cast<IntegerAttr>(attr))
      value = double(i.getInt());
    if (!(value >= 0))
      return decl.emitOpError()
             << "attribute '" << name
             << "' must be a non-negative number of operations per element";
    return std::optional<double>(value);
  }

  LogicalResult describeExtern(ExternCallOp call, plan::OpDesc &o) {
    o.kind = plan::OpKind::Extern;
    auto decl = SymbolTable::lookupNearestSymbolFrom<ExternDeclOp>(
        call, call.getCalleeAttr());
    if (!decl)
      return call.emitOpError() << "calls an undeclared extern op";
    int k = int(call.getInputs().size());
    FailureOr<std::optional<double>> fwd = flopsAttr(decl, "fwd_flops");
    FailureOr<std::optional<double>> bwd = flopsAttr(decl, "bwd_flops");
    if (failed(fwd) || failed(bwd))
      return failure();
    o.externFwdFlops = fwd->value_or(defaultExternFwdFlops(k));
    o.externBwdFlops = bwd->value_or(defaultExternBwdFlops(k));
    return success();
  }

  ModelOp model;
  int64_t batch;
  plan::ModelDesc desc;
  llvm::DenseMap<Value, int> ids;
};

} // namespace

FailureOr<plan::ModelDesc> describeModel(ModelOp model, int64_t batch) {
  return ModelDescriber(model, batch).run();
}

FailureOr<std::vector<plan::CellCost>>
estimateModelCosts(ModelOp model, StrategyOp strategy,
                   const plan::DeviceProfile &device) {
  plan::Optimizer optimizer = getOptimizer(model->getParentOfType<ModuleOp>());
  if (failed(checkCostSizes(model, strategy)))
    return failure();
  FailureOr<plan::ModelDesc> desc = describeModel(model, strategy.getBatch());
  if (failed(desc))
    return failure();
  return plan::estimateCellCosts(*desc, device, strategy.getPrecision(),
                                 optimizer);
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
  return request;
}

} // namespace pipe
