//===- PipeProgramOps.cpp - Builders and verifiers of the program ops ----===//
//
// Local well-formedness only: which ops nest where, one program per rank, a
// transfer's peer is another rank, every stage name resolves in the model
// the schedule runs to a stage on the program's own rank. Whether the
// programs together are a correct, deadlock-free step is
// pipe-verify-schedule's job.
//
//===----------------------------------------------------------------------===//
#include "pipe/Dialect/PipeOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace pipe;

void ScheduleOp::build(OpBuilder &builder, OperationState &state,
                       ScheduleKind kind, FlatSymbolRefAttr model) {
  state.addAttribute(getKindAttrName(state.name),
                     ScheduleKindAttr::get(builder.getContext(), kind));
  state.addAttribute(getModelAttrName(state.name), model);
  state.addRegion()->emplaceBlock();
}

LogicalResult ScheduleOp::verify() {
  // The parser only reads the schedule table's names; IR built in C++ could
  // still say auto, which the driver resolves before scheduling.
  if (getKind() == ScheduleKind::Auto)
    return emitOpError() << "names 'auto', which is not a schedule";
  return success();
}

LogicalResult ScheduleOp::verifyRegions() {
  llvm::DenseMap<uint32_t, ProgramOp> byRank;
  for (Operation &op : getBody().front()) {
    auto program = dyn_cast<ProgramOp>(op);
    if (!program)
      return op.emitOpError()
             << "cannot appear in a pipe.schedule (only pipe.program can)";
    auto [it, inserted] = byRank.try_emplace(program.getRank(), program);
    if (!inserted)
      return program.emitOpError()
                 .append("repeats rank ", program.getRank())
                 .attachNote(it->second.getLoc())
             << "rank " << program.getRank() << "'s first program is here";
  }
  return success();
}

LogicalResult
ScheduleOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto model = symbolTable.lookupNearestSymbolFrom<ModelOp>(*this,
                                                            getModelAttr());
  if (!model)
    return emitOpError() << "runs '" << getModelAttr()
                         << "', which does not name a pipe.model";
  // One map for every action: a step has ranks x micro-batches x several.
  llvm::DenseMap<StringAttr, int> index = model.getStageIndex();
  SmallVector<StageOp> stages(model.getStages());
  for (ProgramOp program : getBody().front().getOps<ProgramOp>())
    for (Operation &op : program.getActions()) {
      auto action = dyn_cast<ActionOpInterface>(op);
      if (!action) // ProgramOp's verifier reports it
        continue;
      FlatSymbolRefAttr name = action.getStageAttr();
      auto found = index.find(name.getAttr());
      if (found == index.end())
        return op.emitOpError() << "names stage " << name << ", which model "
                                << getModelAttr() << " does not have";
      StageOp stage = stages[found->second];
      if (stage.getRank() != program.getRank())
        return op.emitOpError()
                   .append("names stage ", name, ", which runs on rank ",
                           stage.getRank(), ", not on this program's rank ",
                           program.getRank())
                   .attachNote(stage.getLoc())
               << "stage " << name << " is here";
    }
  return success();
}

void ProgramOp::build(OpBuilder &builder, OperationState &state, int rank) {
  state.addAttribute(getRankAttrName(state.name),
                     builder.getI32IntegerAttr(rank));
  state.addRegion()->emplaceBlock();
}

LogicalResult ProgramOp::verifyRegions() {
  for (Operation &op : getBody().front())
    if (!isa<ActionOpInterface>(op))
      return op.emitOpError() << "cannot appear in a pipe.program (only "
                                 "actions: pipe.forward, pipe.backward, "
                                 "pipe.weight_grad, pipe.send_act, "
                                 "pipe.recv_act, pipe.send_grad, "
                                 "pipe.recv_grad)";
  return success();
}

/// A rank does not send to or receive from itself: stages on the same rank
/// hand values over in memory, without a transfer.
template <typename TransferOp> static LogicalResult verifyPeer(TransferOp op) {
  auto program = op->template getParentOfType<ProgramOp>();
  if (program && program.getRank() == op.getPeer())
    return op.emitOpError() << "peer must be another rank, but rank "
                            << op.getPeer() << " is this program's own rank";
  return success();
}

LogicalResult SendActOp::verify() { return verifyPeer(*this); }
LogicalResult RecvActOp::verify() { return verifyPeer(*this); }
LogicalResult SendGradOp::verify() { return verifyPeer(*this); }
LogicalResult RecvGradOp::verify() { return verifyPeer(*this); }
