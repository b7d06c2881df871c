// pipe-verify-schedule on hand-written programs for the smallest two-stage
// model (@s0 on rank 0, @s1 on rank 1: stage s on rank s mod 2, the
// schedules' standard placement). Each case breaks one rule and checks the
// error lands on the offending op (or, for something missing, on the
// program that lacks it) and names rank and position. Every action names
// the stage on its own rank (a receive the stage it feeds), so an action on
// the wrong rank is already an op verifier error (invalid-ops.mlir).
// RUN: pipe-opt %s -split-input-file -verify-diagnostics --pipe-verify-schedule

// Missing action: rank 1 never runs B(1,0) (its SendGrad is there).
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
pipe.schedule "1f1b" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 0
    pipe.send_act @s0 mb 0 to 1
    pipe.recv_grad @s0 mb 0 from 1
    pipe.backward @s0 mb 0
  }
  // expected-error @+1 {{rank 1 lacks B(1,0)}}
  pipe.program rank 1 {
    pipe.recv_act @s1 mb 0 from 0
    pipe.forward @s1 mb 0
    pipe.send_grad @s1 mb 0 to 0
  }
}

// -----

// Missing transfer: F(0,0)'s output never leaves rank 0; the error points at
// the forward that should be followed by the send.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
pipe.schedule "1f1b" for @chain {
  pipe.program rank 0 {
    // expected-error @+1 {{rank 0 lacks SendAct(0,0) after F(0,0)}}
    pipe.forward @s0 mb 0
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

// -----

// Duplicate: F(0,0) twice on rank 0; the second is the error.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
pipe.schedule "1f1b" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 0
    pipe.send_act @s0 mb 0 to 1
    // expected-error @+1 {{rank 0, action 2 (F(0,0)): duplicate of action 0}}
    pipe.forward @s0 mb 0
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

// -----

// Order: B(1,0) runs before F(1,0), which it depends on.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
pipe.schedule "1f1b" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 0
    pipe.send_act @s0 mb 0 to 1
    pipe.recv_grad @s0 mb 0 from 1
    pipe.backward @s0 mb 0
  }
  pipe.program rank 1 {
    pipe.recv_act @s1 mb 0 from 0
    // expected-error @+1 {{rank 1, action 1 (B(1,0)) runs before F(1,0) (action 2) it depends on}}
    pipe.backward @s1 mb 0
    pipe.forward @s1 mb 0
    pipe.send_grad @s1 mb 0 to 0
  }
}

// -----

// Out of range: the strategy has 1 micro-batch, so mb 1 does not exist.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
    // expected-error @+1 {{rank 0, action 0 (F(0,1)): stage or micro-batch out of range}}
    pipe.forward @s0 mb 1
  }
  pipe.program rank 1 {
  }
}

// -----

// A wait cycle under rendezvous groups (zb-h1, 3 micro-batches). Each rank's
// order alone is fine, but rank 0 posts SendAct(0,1) as a group of its own
// (position 3) before the group holding RecvGrad(0,0) (position 5), while
// rank 1 posts SendGrad(1,0) alone (position 3) and RecvAct(1,1) only after
// W(1,0) (position 5). Playing it by hand: both exchange mb 0's activation,
// then rank 0 blocks in SendAct(0,1) until rank 1 posts RecvAct(1,1), and
// rank 1 blocks in SendGrad(1,0) until rank 0 posts RecvGrad(0,0): a cycle.
// (verify-ok.mlir has the same step with rank 1's two transfers in one
// group, which the verifier accepts.)
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 3, batch = 1, schedule = "zb-h1", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
pipe.schedule "zb-h1" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 0
    pipe.send_act @s0 mb 0 to 1
    pipe.forward @s0 mb 1
    // expected-error @+1 {{deadlock: wait cycle: rank 0, action 3 (SendAct(0,1)->1) waits on rank 1 for RecvAct(1,1)<-0; rank 1, action 3 (SendGrad(1,0)->0) waits on rank 0 for RecvGrad(0,0)<-1}}
    pipe.send_act @s0 mb 1 to 1
    pipe.forward @s0 mb 2
    pipe.recv_grad @s0 mb 0 from 1
    pipe.backward @s0 mb 0
    pipe.send_act @s0 mb 2 to 1
    pipe.recv_grad @s0 mb 1 from 1
    pipe.backward @s0 mb 1
    pipe.recv_grad @s0 mb 2 from 1
    pipe.backward @s0 mb 2
    pipe.weight_grad @s0 mb 0
    pipe.weight_grad @s0 mb 1
    pipe.weight_grad @s0 mb 2
  }
  pipe.program rank 1 {
    pipe.recv_act @s1 mb 0 from 0
    pipe.forward @s1 mb 0
    pipe.backward @s1 mb 0
    // expected-note @+1 {{rank 1, action 3 (SendGrad(1,0)->0) is in the wait cycle, waiting on rank 0}}
    pipe.send_grad @s1 mb 0 to 0
    pipe.weight_grad @s1 mb 0
    pipe.recv_act @s1 mb 1 from 0
    pipe.forward @s1 mb 1
    pipe.backward @s1 mb 1
    pipe.send_grad @s1 mb 1 to 0
    pipe.weight_grad @s1 mb 1
    pipe.recv_act @s1 mb 2 from 0
    pipe.forward @s1 mb 2
    pipe.backward @s1 mb 2
    pipe.send_grad @s1 mb 2 to 0
    pipe.weight_grad @s1 mb 2
  }
}

// -----

// FIFO mismatch: rank 0 sends mb 1 before mb 0, rank 1 receives mb 0 first.
// NCCL would pair rank 0's first send, of F(0,1)'s output, with rank 1's
// first receive, RecvAct(1,0), and hand mb 1's activation to mb 0's
// forward; the error is at that receive.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 2, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
pipe.schedule "1f1b" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 0
    pipe.forward @s0 mb 1
    pipe.send_act @s0 mb 1 to 1
    pipe.send_act @s0 mb 0 to 1
    pipe.recv_grad @s0 mb 0 from 1
    pipe.backward @s0 mb 0
    pipe.recv_grad @s0 mb 1 from 1
    pipe.backward @s0 mb 1
  }
  pipe.program rank 1 {
    // expected-error @+1 {{rank 1, action 0 (RecvAct(1,0)<-0) is paired in FIFO order with rank 0, action 2 (SendAct(0,1)->1), which carries F(0,1)'s output, not F(0,0)'s}}
    pipe.recv_act @s1 mb 0 from 0
    pipe.forward @s1 mb 0
    pipe.backward @s1 mb 0
    pipe.send_grad @s1 mb 0 to 0
    pipe.recv_act @s1 mb 1 from 0
    pipe.forward @s1 mb 1
    pipe.backward @s1 mb 1
    pipe.send_grad @s1 mb 1 to 0
  }
}

// -----

// W in a schedule without W.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
pipe.schedule "1f1b" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 0
    // expected-error @+1 {{rank 0, action 1 (W(0,0)): this schedule has no W actions}}
    pipe.weight_grad @s0 mb 0
  }
  pipe.program rank 1 {
  }
}

// -----

// The programs and the strategy disagree on the schedule.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
// expected-note @+1 {{the strategy is here}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
// expected-error @+1 {{is a 'gpipe' schedule but the strategy asks for '1f1b'}}
pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
  }
  pipe.program rank 1 {
  }
}

// -----

// One program for a 2-rank strategy.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
// expected-note @+1 {{the strategy is here}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
// expected-error @+1 {{has programs for 1 ranks but the strategy has 2}}
pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
  }
}

// -----

pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
// expected-error @+1 {{has programs up to rank 2 but none for rank 1}}
pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
  }
  pipe.program rank 2 {
  }
}

// -----

// expected-error @+1 {{the module has no pipe.schedule (run pipe-schedule first)}}
module {
  pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}

// -----

// expected-error @+1 {{pipe-verify-schedule needs a pipe.strategy}}
module {
  pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
    %a = pipe.stage @s0 rank 0 {
      %a_0 = pipe.cell "a = relu(x)" {
        %0 = pipe.relu %x : tensor<?x4xf32>
        pipe.yield %0 : tensor<?x4xf32>
      } : tensor<?x4xf32>
      pipe.yield %a_0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
    ^bb0(%a_in: tensor<?x4xf32>):
      %loss_0 = pipe.cell "return mse(a, y)" {
        %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
        pipe.yield %0 : tensor<f32>
      } : tensor<f32>
      pipe.yield %loss_0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  pipe.schedule "gpipe" for @chain {
  }
}
