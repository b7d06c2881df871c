//===- PipeProgramOps.cpp - Builders and verifiers of the program ops ----===//
//
// Local well-formedness only: which ops nest where, one program per rank, a
// transfer's peer is another rank, every stage name resolves in the model
// the schedule runs to a stage on the program's own rank. Whether the
// programs together are a correct, deadlock-free step is
// pipe-verify-schedule's job. Also the actions' printer and parser.
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

//===----------------------------------------------------------------------===//
// The actions' assembly: `@stage mb N`, for a transfer then `to PEER` or
// `from PEER`, then the attributes other than these as a dictionary.
//===----------------------------------------------------------------------===//

/// Parses `@stage mb N` into `stage` and `mb` (an i32).
static ParseResult parseStageMb(OpAsmParser &parser, FlatSymbolRefAttr &stage,
                                IntegerAttr &mb) {
  Builder &b = parser.getBuilder();
  if (parser.parseCustomAttributeWithFallback(stage, b.getType<NoneType>()) ||
      parser.parseKeyword("mb") ||
      parser.parseCustomAttributeWithFallback(mb, b.getIntegerType(32)))
    return failure();
  return success();
}

/// Parses the trailing attribute dictionary, which may not restate the
/// op's own attributes wrongly.
template <typename ActionOp>
static ParseResult parseActionAttrDict(OpAsmParser &parser,
                                       OperationState &result) {
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseOptionalAttrDict(result.attributes))
    return failure();
  return ActionOp::verifyInherentAttrs(result.name, result.attributes, [&]() {
    return parser.emitError(loc) << "'" << result.name.getStringRef()
                                 << "' op ";
  });
}

template <typename ComputeOp>
static ParseResult parseCompute(OpAsmParser &parser, OperationState &result) {
  FlatSymbolRefAttr stage;
  IntegerAttr mb;
  if (parseStageMb(parser, stage, mb))
    return failure();
  auto &props = result.getOrAddProperties<typename ComputeOp::Properties>();
  props.stage = stage;
  props.mb = mb;
  return parseActionAttrDict<ComputeOp>(parser, result);
}

template <typename TransferOp>
static ParseResult parseTransfer(OpAsmParser &parser, OperationState &result,
                                 StringRef direction) {
  FlatSymbolRefAttr stage;
  IntegerAttr mb, peer;
  if (parseStageMb(parser, stage, mb) || parser.parseKeyword(direction) ||
      parser.parseCustomAttributeWithFallback(
          peer, parser.getBuilder().getIntegerType(32)))
    return failure();
  auto &props = result.getOrAddProperties<typename TransferOp::Properties>();
  props.stage = stage;
  props.mb = mb;
  props.peer = peer;
  return parseActionAttrDict<TransferOp>(parser, result);
}

/// Prints what parseCompute / parseTransfer read; `direction` is empty for a
/// compute action. The indices are printed as the i32 attributes they are.
static void printAction(OpAsmPrinter &p, Operation *op, FlatSymbolRefAttr stage,
                        IntegerAttr mb, StringRef direction = {},
                        IntegerAttr peer = {}) {
  p << ' ';
  p.printAttributeWithoutType(stage);
  p << " mb " << mb.getInt();
  if (!direction.empty())
    p << ' ' << direction << ' ' << peer.getInt();
  p.printOptionalAttrDict(op->getDiscardableAttrDictionary().getValue());
}

#define PIPE_COMPUTE_ASM(Op)                                                   \
  ParseResult Op::parse(OpAsmParser &parser, OperationState &result) {         \
    return parseCompute<Op>(parser, result);                                   \
  }                                                                            \
  void Op::print(OpAsmPrinter &p) {                                            \
    printAction(p, *this, getStageAttr(), getMbAttr());                        \
  }
#define PIPE_TRANSFER_ASM(Op, direction)                                       \
  ParseResult Op::parse(OpAsmParser &parser, OperationState &result) {         \
    return parseTransfer<Op>(parser, result, direction);                       \
  }                                                                            \
  void Op::print(OpAsmPrinter &p) {                                            \
    printAction(p, *this, getStageAttr(), getMbAttr(), direction,              \
                getPeerAttr());                                                \
  }
PIPE_COMPUTE_ASM(ForwardOp)
PIPE_COMPUTE_ASM(BackwardOp)
PIPE_COMPUTE_ASM(WeightGradOp)
PIPE_TRANSFER_ASM(SendActOp, "to")
PIPE_TRANSFER_ASM(RecvActOp, "from")
PIPE_TRANSFER_ASM(SendGradOp, "to")
PIPE_TRANSFER_ASM(RecvGradOp, "from")
#undef PIPE_COMPUTE_ASM
#undef PIPE_TRANSFER_ASM
