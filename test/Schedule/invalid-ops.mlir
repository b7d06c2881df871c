// Local well-formedness of the program ops (the op verifiers, before any
// pass): negative indices, a peer equal to the program's own rank, a rank
// given two programs, foreign ops in a program or schedule, an unknown
// schedule name, a missing keyword between an action's fields; and the
// names: an action naming a stage the model does not have or a stage on
// another rank, a schedule naming no model. The ops' own checks come first,
// so the cases that fail them need no model.
// RUN: pipe-opt %s -split-input-file -verify-diagnostics

pipe.schedule "1f1b" for @chain {
  pipe.program rank 0 {
    // expected-error @+1 {{attribute 'mb' failed to satisfy constraint}}
    pipe.backward @s0 mb -2
  }
}

// -----

pipe.schedule "1f1b" for @chain {
  // expected-error @+1 {{attribute 'rank' failed to satisfy constraint}}
  pipe.program rank -1 {
  }
}

// -----

pipe.schedule "1f1b" for @chain {
  pipe.program rank 1 {
    // expected-error @+1 {{peer must be another rank, but rank 1 is this program's own rank}}
    pipe.send_act @s1 mb 0 to 1
  }
}

// -----

pipe.schedule "1f1b" for @chain {
  pipe.program rank 0 {
    // expected-error @+1 {{peer must be another rank, but rank 0 is this program's own rank}}
    pipe.recv_grad @s0 mb 0 from 0
  }
}

// -----

pipe.schedule "1f1b" for @chain {
  // expected-note @+1 {{rank 0's first program is here}}
  pipe.program rank 0 {
  }
  // expected-error @+1 {{repeats rank 0}}
  pipe.program rank 0 {
  }
}

// -----

// expected-error @+1 {{unknown schedule 'pipedream' (expected gpipe, 1f1b, interleaved, zb-h1, zb-h2, zb-v)}}
pipe.schedule "pipedream" for @chain {
}

// -----

pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
    // expected-error @+1 {{cannot appear in a pipe.program}}
    %zero = arith.constant 0 : i32
  }
}

// -----

pipe.schedule "gpipe" for @chain {
  // expected-error @+1 {{cannot appear in a pipe.schedule (only pipe.program can)}}
  %zero = arith.constant 0 : i32
}

// -----

// A program action outside a program.
// expected-error @+1 {{expects parent op 'pipe.program'}}
pipe.forward @s0 mb 0

// -----

// expected-error @+1 {{expects parent op 'pipe.schedule'}}
pipe.program rank 0 {
}

// -----

// The stages are named by symbol, no longer by number.
pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
    // expected-error @+1 {{expected attribute value}}
    pipe.forward stage 0 mb 0
  }
}

// -----

// The model has @s0 and @s1 only.
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
  pipe.program rank 0 {
    // expected-error @+1 {{names stage @s2, which model @chain does not have}}
    pipe.forward @s2 mb 0
  }
  pipe.program rank 1 {
  }
}

// -----

// @s1 runs on rank 1; rank 0 cannot receive its input.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  // expected-note @+1 {{stage @s1 is here}}
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
  pipe.program rank 0 {
    // expected-error @+1 {{names stage @s1, which runs on rank 1, not on this program's rank 0}}
    pipe.recv_act @s1 mb 0 from 1
  }
  pipe.program rank 1 {
  }
}

// -----

// The module has model @chain, not @gpt.
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
// expected-error @+1 {{runs '@gpt', which does not name a pipe.model}}
pipe.schedule "gpipe" for @gpt {
  pipe.program rank 0 {
    pipe.forward @s0 mb 0
  }
}

// -----

// @chain names something that is not a model.
pipe.extern_op @chain["a"] from "chain.cu"
// expected-error @+1 {{runs '@chain', which does not name a pipe.model}}
pipe.schedule "gpipe" for @chain {
}

// -----

// The keywords between an action's fields are required.
pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
    // expected-error @+1 {{custom op 'pipe.forward' expected 'mb'}}
    pipe.forward @s0 0
  }
}

// -----

pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
    // expected-error @+1 {{custom op 'pipe.send_act' expected 'to'}}
    pipe.send_act @s0 mb 0 1
  }
}

// -----

// A receive names its peer with `from`, not `to`.
pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
    // expected-error @+1 {{custom op 'pipe.recv_grad' expected 'from'}}
    pipe.recv_grad @s0 mb 0 to 1
  }
}
