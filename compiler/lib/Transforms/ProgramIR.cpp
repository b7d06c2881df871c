//===- ProgramIR.cpp - pipe.schedule/pipe.program ops <-> plan::RankProgram
//-===//
#include "pipe/Transforms/ProgramIR.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <optional>
#include <type_traits>

using namespace mlir;

namespace pipe {

std::optional<plan::Action> actionOf(Operation *op) {
  using plan::Action;
  auto compute = [](Action::Kind kind, auto a) {
    return Action{kind, static_cast<int>(a.getStage()),
                  static_cast<int>(a.getMb()), -1};
  };
  auto transfer = [](Action::Kind kind, auto a) {
    return Action{kind, static_cast<int>(a.getStage()),
                  static_cast<int>(a.getMb()), static_cast<int>(a.getPeer())};
  };
  return llvm::TypeSwitch<Operation *, std::optional<Action>>(op)
      .Case([&](ForwardOp a) { return compute(Action::F, a); })
      .Case([&](BackwardOp a) { return compute(Action::B, a); })
      .Case([&](WeightGradOp a) { return compute(Action::W, a); })
      .Case([&](SendActOp a) { return transfer(Action::SendAct, a); })
      .Case([&](RecvActOp a) { return transfer(Action::RecvAct, a); })
      .Case([&](SendGradOp a) { return transfer(Action::SendGrad, a); })
      .Case([&](RecvGradOp a) { return transfer(Action::RecvGrad, a); })
      .Default([](Operation *) { return std::nullopt; });
}

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

  std::vector<plan::RankProgram> programs(byRank.size());
  if (actionOps)
    actionOps->assign(byRank.size(), {});
  for (size_t r = 0; r < byRank.size(); ++r)
    for (Operation &op : byRank[r].getBody().front()) {
      std::optional<plan::Action> action = actionOf(&op);
      if (!action) // excluded by ProgramOp's verifier
        return op.emitOpError("is not a program action");
      programs[r].push_back(*action);
      if (actionOps)
        (*actionOps)[r].push_back(&op);
    }
  return programs;
}

namespace {

/// Creates program actions without the per-op costs of OpTy::create: the
/// op names are resolved once and the small i32 attributes (stages,
/// micro-batches, ranks) are uniqued once each. A schedule holds ranks x
/// micro-batches x several actions, so this is most of pipe-schedule's time.
class ActionWriter {
public:
  ActionWriter(OpBuilder &builder, Location loc) : builder(builder), loc(loc) {}

  void write(const plan::Action &a) {
    using plan::Action;
    IntegerAttr stage = i32(a.stage), mb = i32(a.mb);
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
  }

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

  template <typename OpTy, typename... Attrs> void create(Attrs... attrs) {
    std::optional<OperationName> &name = names[kindIndex<OpTy>()];
    if (!name)
      name.emplace(OpTy::getOperationName(), builder.getContext());
    OperationState state(loc, *name);
    OpTy::build(builder, state, attrs...);
    builder.create(state);
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
  std::vector<IntegerAttr> attrs;
  std::optional<OperationName> names[7];
};

} // namespace

ScheduleOp writePrograms(OpBuilder &builder, Location loc, ScheduleKind kind,
                         const std::vector<plan::RankProgram> &programs) {
  OpBuilder::InsertionGuard guard(builder);
  auto schedule = ScheduleOp::create(builder, loc, kind);
  ActionWriter writer(builder, loc);
  for (size_t r = 0; r < programs.size(); ++r) {
    builder.setInsertionPointToEnd(&schedule.getBody().front());
    auto program = ProgramOp::create(builder, loc, static_cast<int>(r));
    builder.setInsertionPointToEnd(&program.getBody().front());
    for (const plan::Action &a : programs[r])
      writer.write(a);
  }
  return schedule;
}

ScheduleOp replacePrograms(ModuleOp module, Location loc, ScheduleKind kind,
                           const std::vector<plan::RankProgram> &programs) {
  for (ScheduleOp old : llvm::make_early_inc_range(module.getOps<ScheduleOp>()))
    old.erase();
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  return writePrograms(builder, loc, kind, programs);
}

} // namespace pipe
