//===- PipeProgramOps.td - Per-rank program ops of the pipe dialect ------===//
//
// What each rank runs in one training step, as `pipe-schedule` builds it and
// `pipe-verify-schedule` proves it: a top-level `pipe.schedule` holding one
// `pipe.program` per rank, each a list of actions (compute and transfers).
// These ops mirror plan::RankProgram one to one (pipe/Transforms/ProgramIR.h
// translates both ways). Their C++ is in compiler/lib/Dialect/PipeProgramOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PROGRAM_OPS_TD
#define PIPE_PROGRAM_OPS_TD

include "pipe/Dialect/PipeDialect.td"
include "pipe/Dialect/PipeEnums.td"

/// A non-negative index (stage, micro-batch, rank). 32 bits, like the plan.
def Pipe_IndexAttr : ConfinedAttr<I32Attr, [IntNonNegative]>;

def Pipe_ScheduleOp : Pipe_Op<"schedule", [
    HasParent<"::mlir::ModuleOp">, NoTerminator, SingleBlock,
    NoRegionArguments]> {
  let summary = "The per-rank programs of one training step";
  let description = [{
    Holds one `pipe.program` per pipeline rank (ranks 0 .. n-1, each once)
    and names the schedule that built them (a row of the schedule table,
    written as its name). It sits at the top level of the module beside
    `pipe.model`, `pipe.strategy` and `pipe.train`, and never refers to the
    model: the actions name stages and micro-batches by number. Later
    lowering reads exactly these programs (see `pipe-verify-schedule`).

    ```mlir
    pipe.schedule "1f1b" {
      pipe.program rank 0 {
        pipe.forward stage 0 mb 0
        pipe.send_act stage 0 mb 0 to 1
        pipe.recv_grad stage 1 mb 0 from 1
        pipe.backward stage 0 mb 0
      }
      pipe.program rank 1 {
        pipe.recv_act stage 0 mb 0 from 0
        pipe.forward stage 1 mb 0
        pipe.backward stage 1 mb 0
        pipe.send_grad stage 1 mb 0 to 0
      }
    }
    ```
  }];
  let arguments = (ins Pipe_ScheduleKindAttr:$kind);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "custom<ScheduleName>($kind) attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [OpBuilder<(ins "::pipe::ScheduleKind":$kind)>];
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
      pipe.recv_act stage 0 mb 0 from 0
      pipe.forward stage 1 mb 0
      pipe.backward stage 1 mb 0
      pipe.send_grad stage 1 mb 0 to 0
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
class Pipe_ComputeActionOp<string mnemonic>
    : Pipe_Op<mnemonic, [HasParent<"ProgramOp">]> {
  let arguments = (ins Pipe_IndexAttr:$stage, Pipe_IndexAttr:$mb);
  let assemblyFormat = "`stage` $stage `mb` $mb attr-dict";
}

def Pipe_ForwardOp : Pipe_ComputeActionOp<"forward"> {
  let summary = "The forward pass (F) of one micro-batch on one stage";
  let description = [{
    The forward pass (F) of micro-batch `mb` on stage `stage`, on the rank
    that holds the stage (the enclosing program's rank). It needs F of
    stage - 1 (received by `pipe.recv_act stage s-1` when that stage is on
    another rank).

    ```mlir
    pipe.forward stage 2 mb 5
    ```
  }];
}

def Pipe_BackwardOp : Pipe_ComputeActionOp<"backward"> {
  let summary = "The backward pass (B) of one micro-batch on one stage";
  let description = [{
    The backward pass (B) of micro-batch `mb` on stage `stage`: the input
    gradient, plus the weight gradient in schedules without
    `pipe.weight_grad` (`gpipe`, `1f1b`, `interleaved`). It needs F of the
    same stage and B of stage + 1 (received by `pipe.recv_grad stage s+1`
    when that stage is on another rank).

    ```mlir
    pipe.backward stage 2 mb 5
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
    pipe.weight_grad stage 2 mb 5
    ```
  }];
}

/// A transfer; `peer` is the other rank. The verifier checks peer != rank.
class Pipe_TransferOp<string mnemonic, string dir>
    : Pipe_Op<mnemonic, [HasParent<"ProgramOp">]> {
  let arguments = (ins Pipe_IndexAttr:$stage, Pipe_IndexAttr:$mb,
                       Pipe_IndexAttr:$peer);
  let assemblyFormat = "`stage` $stage `mb` $mb `" # dir # "` $peer attr-dict";
  let hasVerifier = 1;
}

def Pipe_SendActOp : Pipe_TransferOp<"send_act", "to"> {
  let summary = "Sends a forward output to the next stage's rank";
  let description = [{
    Sends the output of `pipe.forward stage s mb k` to rank `peer`, which
    holds stage s + 1. Transfers name the PRODUCING stage: on the receiver
    the matching op is `pipe.recv_act stage s mb k from <this rank>`, with
    the same s. Pairs meet in FIFO order per (sender, receiver, direction).
    It must follow the forward it sends.

    ```mlir
    pipe.forward stage 0 mb 3
    pipe.send_act stage 0 mb 3 to 1
    ```
  }];
}

def Pipe_RecvActOp : Pipe_TransferOp<"recv_act", "from"> {
  let summary = "Receives the previous stage's forward output";
  let description = [{
    Receives the output of `pipe.forward stage s mb k`, run on rank `peer`,
    for stage s + 1 on this rank. Transfers name the PRODUCING stage, so the
    forward it feeds is `pipe.forward stage s+1 mb k`, which it must precede.

    ```mlir
    pipe.recv_act stage 0 mb 3 from 0
    pipe.forward stage 1 mb 3
    ```
  }];
}

def Pipe_SendGradOp : Pipe_TransferOp<"send_grad", "to"> {
  let summary = "Sends an input gradient to the previous stage's rank";
  let description = [{
    Sends the input gradient computed by `pipe.backward stage s mb k` to
    rank `peer`, which holds stage s - 1. Transfers name the PRODUCING
    stage: on the receiver the matching op is
    `pipe.recv_grad stage s mb k from <this rank>`, with the same s. It must
    follow the backward it sends.

    ```mlir
    pipe.backward stage 1 mb 3
    pipe.send_grad stage 1 mb 3 to 0
    ```
  }];
}

def Pipe_RecvGradOp : Pipe_TransferOp<"recv_grad", "from"> {
  let summary = "Receives the next stage's input gradient";
  let description = [{
    Receives the input gradient computed by `pipe.backward stage s mb k` on
    rank `peer`, for stage s - 1 on this rank. Transfers name the PRODUCING
    stage, so the backward it feeds is `pipe.backward stage s-1 mb k`, which
    it must precede.

    ```mlir
    pipe.recv_grad stage 1 mb 3 from 1
    pipe.backward stage 0 mb 3
    ```
  }];
}

#endif // PIPE_PROGRAM_OPS_TD
