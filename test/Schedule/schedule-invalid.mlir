// pipe-schedule refuses, with an error at the strategy (or the module or
// the model), what it cannot schedule: no strategy, no model or a model
// pipe-partition has not outlined into stages (the programs name the
// stages), outlined stages placed otherwise than the schedule places them or
// more or fewer than it has, a step too large to build.
// RUN: pipe-opt %s -split-input-file -verify-diagnostics --pipe-schedule

// expected-error @+1 {{pipe-schedule needs a pipe.strategy}}
module {
}

// -----

// 1f1b places stage s on rank s mod 2; these stages are swapped.
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  // expected-error @+1 {{is stage 0 on rank 1, but schedule '1f1b' places it on rank 0}}
  %a = pipe.stage @s0 rank 1 {
    %a = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 0 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 2, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1

// -----

// Two stages for a strategy of 1 rank x 1 virtual.
// expected-error @+1 {{has 2 stages but the strategy has 1 ranks x 1 virtual}}
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
// expected-note @+1 {{the strategy is here}}
pipe.strategy ranks = 1, virtual = 1, microbatches = 2, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1

// -----

// 100000 ranks x 1 x 1000 micro-batches is 10^8 actions, above 2^19.
// expected-error @+1 {{has 100000 ranks x 1 virtual x 1000 micro-batches, too many actions to schedule (the limit is 524288)}}
pipe.strategy ranks = 100000, virtual = 1, microbatches = 1000, batch = 1, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1

// -----

// No model to name the stages of.
// expected-error @+1 {{reading the stages needs a pipe.model}}
module {
  pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}

// -----

// A model whose cells pipe-partition has not outlined into stages.
// expected-error @+1 {{has no pipe.stage ops (run pipe-partition first)}}
pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(x, y)" {
    %0 = pipe.mse %x, %y : tensor<?x4xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 1, virtual = 1, microbatches = 1, batch = 1, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
