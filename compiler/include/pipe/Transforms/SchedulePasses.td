//===- SchedulePasses.td - pipe-schedule and pipe-verify-schedule -------===//
//
// Included from Passes.td. The schedule layer's passes: build the per-rank
// programs (pipe.schedule / pipe.program ops) and prove them sound.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_SCHEDULEPASSES_TD
#define PIPE_TRANSFORMS_SCHEDULEPASSES_TD

include "mlir/Pass/PassBase.td"

def PipeAutoSchedule : Pass<"pipe-auto-schedule", "::mlir::ModuleOp"> {
  let summary = "Resolve schedule = auto by simulating every configuration";
  let description = [{
    When `pipe.strategy` says `schedule = "auto"`, tries every configuration
    of `plan::enumerateAuto` (each schedule of the schedule table x virtual x
    micro-batch count under the same global batch x recompute; with a manual
    list, only its stage count). Each one is partitioned by the routine
    `pipe-partition` runs (`partitionStrategy`) and scored by
    `plan::scoreConfig`, which builds the schedule's order and plays it in
    the simulator; a configuration whose split or simulated peak does not fit
    the device is ranked as not fitting, with the reason. The best that fits
    becomes the strategy, so the later passes plan exactly it, and the ranked
    table is recorded as the module's `pipe.auto_report` string (pipec prints
    it). None fitting is an error at the strategy naming the closest
    configuration's need. A fixed schedule is left alone.

    ```mlir
    // before
    pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4,
      schedule = "auto", ...
    // after
    pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4,
      schedule = "zb-h1", ...
    ```
  }];
  let options = [
    Option<"profile", "profile", "std::string", /*default=*/"\"\"",
           "Measured per-cell costs, as pipe-partition's option">,
  ];
}

def PipeSchedule : Pass<"pipe-schedule", "::mlir::ModuleOp"> {
  let summary = "Build each rank's program for the strategy's schedule";
  let description = [{
    Reads `pipe.strategy` (schedule, ranks, virtual, microbatches) and the
    stage placement: the `rank` of each `pipe.stage` op `pipe-partition`
    outlined (it must have run), which must be the schedule's standard
    placement of language.md, builds every rank's program with
    `plan::buildSchedule` (compute actions in the schedule's order, transfers
    grouped so that rendezvous cannot deadlock) and writes it into the module
    as one top-level `pipe.schedule` for the model, replacing any existing
    one.

    Every action names the stage on its own rank by the stage's name: a
    send its producer, a receive its consumer (see `pipe.send_act`). For a
    2-rank 1F1B with 2 micro-batches:

    ```mlir
    pipe.schedule "1f1b" for @chain {
      pipe.program rank 0 {
        pipe.forward @s0 mb 0
        pipe.send_act @s0 mb 0 to 1
        pipe.forward @s0 mb 1
        pipe.send_act @s0 mb 1 to 1
        pipe.recv_grad @s0 mb 0 from 1
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
    (sender, receiver, direction) with the receive that expects what it
    carries (the same producer and micro-batch); and the
    abstract execution under rendezvous groups (consecutive transfers are one
    group, left only when all of them met their partners) runs every rank to
    its end.

    The stage placement comes from the `pipe.stage` ops `pipe-partition`
    outlined, which the actions name; it must be the schedule's standard
    placement. The micro-batch count is the strategy's.

    A failure is an error at the offending action naming its rank and
    position; a deadlock's error names the whole wait cycle and every other
    action in the cycle gets a note. The IR is not changed.

    ```mlir
    // error: deadlock: wait cycle: rank 0, action 3 (SendAct(0,1)->1) waits
    // on rank 1 for RecvAct(1,1)<-0; ...
    pipe.send_act @s0 mb 1 to 1
    ```
  }];
}

#endif // PIPE_TRANSFORMS_SCHEDULEPASSES_TD
