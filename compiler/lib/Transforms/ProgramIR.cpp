//===- ProgramIR.cpp - pipe.schedule/pipe.program ops <-> plan::RankProgram
//-===//
#include "pipe/Transforms/ProgramIR.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

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

ScheduleOp writePrograms(OpBuilder &builder, Location loc, StringRef kind,
                         const std::vector<plan::RankProgram> &programs) {
  using plan::Action;
  OpBuilder::InsertionGuard guard(builder);
  auto schedule = ScheduleOp::create(builder, loc, kind);
  for (size_t r = 0; r < programs.size(); ++r) {
    builder.setInsertionPointToEnd(&schedule.getBody().front());
    auto program = ProgramOp::create(builder, loc, static_cast<int>(r));
    builder.setInsertionPointToEnd(&program.getBody().front());
    for (const Action &a : programs[r]) {
      auto i32 = [&](int v) { return builder.getI32IntegerAttr(v); };
      IntegerAttr stage = i32(a.stage), mb = i32(a.mb);
      switch (a.kind) {
      case Action::F:
        ForwardOp::create(builder, loc, stage, mb);
        break;
      case Action::B:
        BackwardOp::create(builder, loc, stage, mb);
        break;
      case Action::W:
        WeightGradOp::create(builder, loc, stage, mb);
        break;
      case Action::SendAct:
        SendActOp::create(builder, loc, stage, mb, i32(a.peer));
        break;
      case Action::RecvAct:
        RecvActOp::create(builder, loc, stage, mb, i32(a.peer));
        break;
      case Action::SendGrad:
        SendGradOp::create(builder, loc, stage, mb, i32(a.peer));
        break;
      case Action::RecvGrad:
        RecvGradOp::create(builder, loc, stage, mb, i32(a.peer));
        break;
      }
    }
  }
  return schedule;
}

ScheduleOp replacePrograms(ModuleOp module, Location loc, StringRef kind,
                           const std::vector<plan::RankProgram> &programs) {
  for (ScheduleOp old : llvm::make_early_inc_range(module.getOps<ScheduleOp>()))
    old.erase();
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  return writePrograms(builder, loc, kind, programs);
}

} // namespace pipe
