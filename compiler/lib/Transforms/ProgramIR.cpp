//===- ProgramIR.cpp - Program ops <-> plan::RankProgram ------------------===//
#include "pipe/Transforms/ProgramIR.h"
#include "pipe/Plan/Schedule.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <optional>
#include <type_traits>

using namespace mlir;

namespace pipe {
namespace {

/// Each stage's position in its model, by the stage's name
/// (ModelOp::getStageIndex).
using StageIndex = llvm::DenseMap<StringAttr, int>;

/// The plan action an action op stands for; nullopt for any other op or a
/// stage name `stages` does not hold.
std::optional<plan::Action> actionOf(Operation *op, const StageIndex &stages) {
  using plan::Action;
  auto action = dyn_cast<ActionOpInterface>(op);
  if (!action)
    return std::nullopt;
  auto stage = stages.find(action.getStageAttr().getAttr());
  if (stage == stages.end())
    return std::nullopt;
  Action a{Action::F, stage->second, static_cast<int>(action.getMb()), -1};
  auto compute = [&](Action::Kind kind) {
    a.kind = kind;
    return std::optional(a);
  };
  auto transfer = [&](Action::Kind kind, auto op) {
    a.kind = kind;
    a.peer = static_cast<int>(op.getPeer());
    return std::optional(a);
  };
  return llvm::TypeSwitch<Operation *, std::optional<Action>>(op)
      .Case([&](ForwardOp) { return compute(Action::F); })
      .Case([&](BackwardOp) { return compute(Action::B); })
      .Case([&](WeightGradOp) { return compute(Action::W); })
      .Case([&](SendActOp t) { return transfer(Action::SendAct, t); })
      .Case([&](RecvActOp t) { return transfer(Action::RecvAct, t); })
      .Case([&](SendGradOp t) { return transfer(Action::SendGrad, t); })
      .Case([&](RecvGradOp t) { return transfer(Action::RecvGrad, t); })
      .Default([](Operation *) { return std::nullopt; });
}

} // namespace

FailureOr<std::vector<plan::RankProgram>>
readPrograms(ModuleOp module,
             std::vector<std::vector<Operation *>> *actionOps) {
  auto schedules = module.getOps<ScheduleOp>();
  if (schedules.empty())
    return module.emitError("the module has no pipe.schedule (run "
                            "pipe-schedule first)");
  ScheduleOp schedule = *schedules.begin();
  if (!llvm::hasSingleElement(schedules)) {
    ScheduleOp second = *std::next(schedules.begin());
    return second
               .emitOpError("is the module's second pipe.schedule; there "
                            "must be exactly one")
               .attachNote(schedule.getLoc())
           << "the first is here";
  }
  SmallVector<ProgramOp> byRank;
  for (ProgramOp program : schedule.getBody().front().getOps<ProgramOp>()) {
    size_t rank = program.getRank();
    if (rank >= byRank.size())
      byRank.resize(rank + 1);
    byRank[rank] = program; // unique: ScheduleOp's verifier
  }
  if (byRank.empty())
    return schedule.emitOpError("has no pipe.program");
  for (size_t r = 0; r < byRank.size(); ++r)
    if (!byRank[r])
      return schedule.emitOpError()
             << "has programs up to rank " << byRank.size() - 1
             << " but none for rank " << r;

  auto model = SymbolTable::lookupNearestSymbolFrom<ModelOp>(
      schedule, schedule.getModelAttr());
  if (!model) // excluded by ScheduleOp's verifier
    return schedule.emitOpError() << "runs '" << schedule.getModelAttr()
                                  << "', which does not name a pipe.model";
  StageIndex stages = model.getStageIndex();

  std::vector<plan::RankProgram> programs(byRank.size());
  if (actionOps)
    actionOps->assign(byRank.size(), {});
  for (size_t r = 0; r < byRank.size(); ++r)
    for (Operation &op : byRank[r].getBody().front()) {
      std::optional<plan::Action> action = actionOf(&op, stages);
      if (!action) // excluded by the ProgramOp and ScheduleOp verifiers
        return op.emitOpError("is not a program action on a stage of ")
               << schedule.getModelAttr();
      programs[r].push_back(*action);
      if (actionOps)
        (*actionOps)[r].push_back(&op);
    }
  return programs;
}

namespace {

/// Creates program actions without the per-op costs of OpTy::create: the
/// op names are resolved once, the stage names are built once per stage and
/// the small i32 attributes (micro-batches, ranks) are uniqued once each. A
/// schedule holds ranks x micro-batches x several actions, so this is most
/// of pipe-schedule's time.
class ActionWriter {
public:
  ActionWriter(OpBuilder &builder, Location loc, ModelOp model)
      : builder(builder), loc(loc) {
    for (StageOp stage : model.getStages())
      stages.push_back(FlatSymbolRefAttr::get(stage.getSymNameAttr()));
  }

  /// Writes `a`; fails when it names a stage the model does not have.
  LogicalResult write(const plan::Action &a) {
    using plan::Action;
    if (a.stage < 0 || size_t(a.stage) >= stages.size())
      return failure();
    FlatSymbolRefAttr stage = stages[a.stage];
    IntegerAttr mb = i32(a.mb);
    switch (a.kind) {
    case Action::F:
      return create<ForwardOp>(stage, mb);
    case Action::B:
      return create<BackwardOp>(stage, mb);
    case Action::W:
      return create<WeightGradOp>(stage, mb);
    case Action::SendAct:
      return create<SendActOp>(stage, mb, i32(a.peer));
    case Action::RecvAct:
      return create<RecvActOp>(stage, mb, i32(a.peer));
    case Action::SendGrad:
      return create<SendGradOp>(stage, mb, i32(a.peer));
    case Action::RecvGrad:
      return create<RecvGradOp>(stage, mb, i32(a.peer));
    }
    return failure();
  }

  size_t numStages() const { return stages.size(); }

private:
  IntegerAttr i32(int v) {
    if (v < 0 || v >= kCached)
      return builder.getI32IntegerAttr(v);
    if (size_t(v) >= attrs.size())
      attrs.resize(v + 1);
    if (!attrs[v])
      attrs[v] = builder.getI32IntegerAttr(v);
    return attrs[v];
  }

  template <typename OpTy, typename... Attrs>
  LogicalResult create(Attrs... attrs) {
    std::optional<OperationName> &name = names[kindIndex<OpTy>()];
    if (!name)
      name.emplace(OpTy::getOperationName(), builder.getContext());
    OperationState state(loc, *name);
    OpTy::build(builder, state, attrs...);
    builder.create(state);
    return success();
  }

  template <typename OpTy> static constexpr int kindIndex() {
    if constexpr (std::is_same_v<OpTy, ForwardOp>)
      return 0;
    else if constexpr (std::is_same_v<OpTy, BackwardOp>)
      return 1;
    else if constexpr (std::is_same_v<OpTy, WeightGradOp>)
      return 2;
    else if constexpr (std::is_same_v<OpTy, SendActOp>)
      return 3;
    else if constexpr (std::is_same_v<OpTy, RecvActOp>)
      return 4;
    else if constexpr (std::is_same_v<OpTy, SendGradOp>)
      return 5;
    else
      return 6;
  }

  static constexpr int kCached = 1 << 16;
  OpBuilder &builder;
  Location loc;
  std::vector<FlatSymbolRefAttr> stages;
  std::vector<IntegerAttr> attrs;
  std::optional<OperationName> names[7];
};

} // namespace

FailureOr<ScheduleOp>
writePrograms(OpBuilder &builder, Location loc, ScheduleKind kind,
              ModelOp model, const std::vector<plan::RankProgram> &programs) {
  OpBuilder::InsertionGuard guard(builder);
  auto schedule = ScheduleOp::create(
      builder, loc, kind, FlatSymbolRefAttr::get(model.getSymNameAttr()));
  ActionWriter writer(builder, loc, model);
  for (size_t r = 0; r < programs.size(); ++r) {
    builder.setInsertionPointToEnd(&schedule.getBody().front());
    auto program = ProgramOp::create(builder, loc, static_cast<int>(r));
    builder.setInsertionPointToEnd(&program.getBody().front());
    for (const plan::Action &a : programs[r])
      if (failed(writer.write(a))) {
        schedule.erase();
        return emitError(loc) << "internal error: the schedule's action "
                              << plan::describeAction(a) << " names stage "
                              << a.stage << ", but model "
                              << model.getSymNameAttr() << " has "
                              << writer.numStages() << " stages";
      }
  }
  return schedule;
}

FailureOr<ScheduleOp>
replacePrograms(ModuleOp module, Location loc, ScheduleKind kind,
                ModelOp model, const std::vector<plan::RankProgram> &programs) {
  for (ScheduleOp old : llvm::make_early_inc_range(module.getOps<ScheduleOp>()))
    old.erase();
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  return writePrograms(builder, loc, kind, model, programs);
}

} // namespace pipe
