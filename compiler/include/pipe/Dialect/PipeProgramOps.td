//===- PipeProgramOps.td - Per-rank program ops of the pipe dialect ------===//
//
// What each rank runs in one training step, as `pipe-schedule` builds it and
// `pipe-verify-schedule` proves it: a top-level `pipe.schedule` holding one
// `pipe.program` per rank, each a list of actions (compute and transfers).
// These ops mirror plan::RankProgram one to one (pipe/Transforms/ProgramIR.h
// translates both ways, stage names <-> stage positions in the model).
// Their C++ is in compiler/lib/Dialect/PipeProgramOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PROGRAM_OPS_TD
#define PIPE_PROGRAM_OPS_TD

include "pipe/Dialect/PipeDialect.td"
include "pipe/Dialect/PipeEnums.td"
include "pipe/Dialect/PipeOpInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"

/// A non-negative index (micro-batch, rank). 32 bits, like the plan.
def Pipe_IndexAttr : ConfinedAttr<I32Attr, [IntNonNegative]>;

def Pipe_ScheduleOp : Pipe_Op<"schedule", [
    HasParent<"::mlir::ModuleOp">, NoTerminator, SingleBlock,
    NoRegionArguments, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "The per-rank programs of one training step";
  let description = [{
    Holds one `pipe.program` per pipeline rank (ranks 0 .. n-1, each once),
    names the schedule that built them (a row of the schedule table, written
    as its name) and, after `for`, the `pipe.model` whose stages they run. It
    sits at the top level of the module beside `pipe.model`, `pipe.strategy`
    and `pipe.train`. Later lowering reads exactly these programs (see
    `pipe-verify-schedule`).

    Every action names a stage by its `pipe.stage` name, and always the
    stage on the program's own rank: a compute action the stage it runs, a
    send the stage whose output it sends, a receive the stage it feeds. The
    verifier resolves every name in the model (ModelOp::getStageIndex) and
    checks that the stage runs on the program's rank. Plan files and the
    planner number stages by their position in the model.

    ```mlir
    pipe.schedule "1f1b" for @chain {
      pipe.program rank 0 {
        pipe.forward @s0 mb 0
        pipe.send_act @s0 mb 0 to 1
        pipe.recv_grad @s0 mb 0 from 1
        pipe.backward @s0 mb 0
      }
      pipe.program rank 1 {
        pipe.recv_act @s1 mb 0 from 0
        pipe.forward @s1 mb 0
        pipe.backward @s1 mb 0
        pipe.send_grad @s1 mb 0 to 0
      }
    }
    ```
  }];
  let arguments = (ins Pipe_ScheduleKindAttr:$kind,
                       FlatSymbolRefAttr:$model);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "custom<ScheduleName>($kind) `for` $model attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "::pipe::ScheduleKind":$kind,
                                 "::mlir::FlatSymbolRefAttr":$model)>];
}

def Pipe_ProgramOp : Pipe_Op<"program", [
    HasParent<"ScheduleOp">, NoTerminator, SingleBlock, NoRegionArguments]> {
  let summary = "What one rank runs, in order";
  let description = [{
    The actions of rank `rank` in execution order: `pipe.forward`,
    `pipe.backward`, `pipe.weight_grad` and the transfers `pipe.send_act`,
    `pipe.recv_act`, `pipe.send_grad`, `pipe.recv_grad`. A run of
    consecutive transfers is one communication group, posted together (like
    `ncclGroupStart`/`ncclGroupEnd`); the rank leaves the group when every
    transfer in it has met its partner. A rank appears once per
    `pipe.schedule`. An action's position is its index in this list,
    counting from 0 (the verifier's diagnostics name it).

    ```mlir
    pipe.program rank 1 {
      pipe.recv_act @s1 mb 0 from 0
      pipe.forward @s1 mb 0
      pipe.backward @s1 mb 0
      pipe.send_grad @s1 mb 0 to 0
    }
    ```
  }];
  let arguments = (ins Pipe_IndexAttr:$rank);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "`rank` $rank attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "int":$rank)>];
  let extraClassDeclaration = [{
    /// The actions in execution order.
    ::mlir::Block::OpListType &getActions() {
      return getBody().front().getOperations();
    }
  }];
}

/// F, B and W of (stage, micro-batch); summary and description per op.
/// Written `@stage mb N` then any other attributes as a dictionary; the
/// printer and parser are hand-written (PipeProgramOps.cpp) because a step
/// has millions of these ops and the generated printer builds an attribute
/// dictionary per op.
class Pipe_ComputeActionOp<string mnemonic>
    : Pipe_Op<mnemonic, [HasParent<"ProgramOp">, Pipe_ActionOpInterface]> {
  let arguments = (ins FlatSymbolRefAttr:$stage, Pipe_IndexAttr:$mb);
  let hasCustomAssemblyFormat = 1;
}

def Pipe_ForwardOp : Pipe_ComputeActionOp<"forward"> {
  let summary = "The forward pass (F) of one micro-batch on one stage";
  let description = [{
    The forward pass (F) of micro-batch `mb` on stage `stage`, on the rank
    that holds the stage (the enclosing program's rank). It needs F of the
    previous stage, received by a `pipe.recv_act` naming this stage when
    that stage is on another rank.

    ```mlir
    pipe.forward @s2 mb 5
    ```
  }];
}

def Pipe_BackwardOp : Pipe_ComputeActionOp<"backward"> {
  let summary = "The backward pass (B) of one micro-batch on one stage";
  let description = [{
    The backward pass (B) of micro-batch `mb` on stage `stage`: the input
    gradient, plus the weight gradient in schedules without
    `pipe.weight_grad` (`gpipe`, `1f1b`, `interleaved`). It needs F of the
    same stage and B of the next stage, received by a `pipe.recv_grad`
    naming this stage when that stage is on another rank.

    ```mlir
    pipe.backward @s2 mb 5
    ```
  }];
}

def Pipe_WeightGradOp : Pipe_ComputeActionOp<"weight_grad"> {
  let summary = "The weight-gradient pass (W) of one micro-batch on one stage";
  let description = [{
    The weight-gradient part (W) of the backward of micro-batch `mb` on
    stage `stage`, split off by the zero-bubble schedules (`zb-h1`, `zb-v`).
    It needs B of the same stage and micro-batch, on the same rank.

    ```mlir
    pipe.weight_grad @s2 mb 5
    ```
  }];
}

/// A transfer; `peer` is the other rank. The verifier checks peer != rank.
/// Written `@stage mb N to|from PEER` then any other attributes, by the
/// hand-written printer and parser of the compute actions.
class Pipe_TransferOp<string mnemonic>
    : Pipe_Op<mnemonic, [HasParent<"ProgramOp">, Pipe_ActionOpInterface]> {
  let arguments = (ins FlatSymbolRefAttr:$stage, Pipe_IndexAttr:$mb,
                       Pipe_IndexAttr:$peer);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

def Pipe_SendActOp : Pipe_TransferOp<"send_act"> {
  let summary = "Sends a forward output to the next stage's rank";
  let description = [{
    Sends the output of `pipe.forward <stage> mb k` to rank `peer`, which
    holds the next stage. A send names the stage on its own rank, the
    producer; the matching receive on `peer` names the consumer:
    `pipe.recv_act <next stage> mb k from <this rank>`. Pairs meet in FIFO
    order per (sender, receiver, direction). It must follow the forward it
    sends.

    ```mlir
    pipe.forward @s0 mb 3
    pipe.send_act @s0 mb 3 to 1
    ```
  }];
}

def Pipe_RecvActOp : Pipe_TransferOp<"recv_act"> {
  let summary = "Receives the previous stage's forward output";
  let description = [{
    Receives, from rank `peer`, the output of the previous stage's forward
    of micro-batch `mb`, the input of `pipe.forward <stage> mb k` on this
    rank, which it must precede. A receive names the stage on its own rank,
    the consumer; the matching send on `peer` names the previous stage.

    ```mlir
    pipe.recv_act @s1 mb 3 from 0
    pipe.forward @s1 mb 3
    ```
  }];
}

def Pipe_SendGradOp : Pipe_TransferOp<"send_grad"> {
  let summary = "Sends an input gradient to the previous stage's rank";
  let description = [{
    Sends the input gradient computed by `pipe.backward <stage> mb k` to
    rank `peer`, which holds the previous stage. A send names the stage on
    its own rank, the producer; the matching receive on `peer` names the
    consumer: `pipe.recv_grad <previous stage> mb k from <this rank>`. It
    must follow the backward it sends.

    ```mlir
    pipe.backward @s1 mb 3
    pipe.send_grad @s1 mb 3 to 0
    ```
  }];
}

def Pipe_RecvGradOp : Pipe_TransferOp<"recv_grad"> {
  let summary = "Receives the next stage's input gradient";
  let description = [{
    Receives, from rank `peer`, the input gradient computed by the next
    stage's backward of micro-batch `mb`, the output gradient of
    `pipe.backward <stage> mb k` on this rank, which it must precede. A
    receive names the stage on its own rank, the consumer; the matching send
    on `peer` names the next stage.

    ```mlir
    pipe.recv_grad @s0 mb 3 from 1
    pipe.backward @s0 mb 3
    ```
  }];
}

#endif // PIPE_PROGRAM_OPS_TD
