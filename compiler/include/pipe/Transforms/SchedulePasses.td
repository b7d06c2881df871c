//===- SchedulePasses.td - pipe-schedule and pipe-verify-schedule -------===//
//
// Included from Passes.td. The schedule layer's passes: build the per-rank
// programs (pipe.schedule / pipe.program ops) and prove them sound.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_SCHEDULEPASSES_TD
#define PIPE_TRANSFORMS_SCHEDULEPASSES_TD

include "mlir/Pass/PassBase.td"

def PipeSchedule : Pass<"pipe-schedule", "::mlir::ModuleOp"> {
  let summary = "Build each rank's program for the strategy's schedule";
  let description = [{
    Reads `pipe.strategy` (schedule, ranks, virtual, microbatches) and the
    stage placement `pipe-partition` recorded (each stage's rank; without a
    recorded partition, the schedule's standard placement of language.md with
    ranks x virtual stages), builds every rank's program with
    `plan::buildSchedule` (compute actions in the schedule's order, transfers
    grouped so that rendezvous cannot deadlock) and writes it into the module
    as one top-level `pipe.schedule`, replacing any existing one.

    Transfers name the producing stage (see `pipe.send_act`). For a 2-rank
    1F1B with 2 micro-batches:

    ```mlir
    pipe.schedule "1f1b" {
      pipe.program rank 0 {
        pipe.forward stage 0 mb 0
        pipe.send_act stage 0 mb 0 to 1
        pipe.forward stage 0 mb 1
        pipe.send_act stage 0 mb 1 to 1
        pipe.recv_grad stage 1 mb 0 from 1
        ...
      }
      pipe.program rank 1 { ... }
    }
    ```
  }];
}

def PipeVerifySchedule : Pass<"pipe-verify-schedule", "::mlir::ModuleOp"> {
  let summary = "Prove the per-rank programs correct and deadlock-free";
  let description = [{
    Reads the `pipe.schedule` programs and runs `plan::verifySchedule`:
    every (stage, micro-batch) has its forward, backward (and weight
    gradient for `zb-h1`/`zb-v`) exactly once, on its stage's rank, after
    what it depends on; every send has its receive, paired in FIFO order per
    (sender, receiver, direction) with the same (stage, micro-batch); and the
    abstract execution under rendezvous groups (consecutive transfers are one
    group, left only when all of them met their partners) runs every rank to
    its end.

    The stage placement comes from the partition `pipe-partition` recorded
    or, when none is recorded (a module with hand-written programs and only
    a `pipe.strategy`), from the schedule's standard placement with
    ranks x virtual stages. The micro-batch count is the strategy's.

    A failure is an error at the offending action naming its rank and
    position; a deadlock's error names the whole wait cycle and every other
    action in the cycle gets a note. The IR is not changed.

    ```mlir
    // error: rank 0, action 3 (SendAct(0,1)->1): deadlock: wait cycle: ...
    pipe.send_act stage 0 mb 1 to 1
    ```
  }];
}

#endif // PIPE_TRANSFORMS_SCHEDULEPASSES_TD
