// pipe-partition's located errors for bad strategies and device profiles.
// RUN: cd %S && pipe-opt %s -split-input-file -verify-diagnostics --pipe-partition

// A device-profile file missing a required field: the error is at the
// strategy (the `pipeline` block) and names the field.
module {
  pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
    %h = pipe.cell "h = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  // expected-error @+1 {{device profile 'Inputs/no-bandwidth-device.json': field 'memory_bandwidth_gbps' is missing}}
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "Inputs/no-bandwidth-device.json", data_parallel = 1 {device_is_file}
}

// -----

// A device-profile file that does not exist.
module {
  pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
    %h = pipe.cell "h = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  // expected-error @+1 {{cannot read device profile 'Inputs/no-such-device.json'}}
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "Inputs/no-such-device.json", data_parallel = 1 {device_is_file}
}

// -----

// A manual list that does not cover the cells is refused (by the strategy's
// verifier, before pipe-partition runs).
module {
  pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
    %h = pipe.cell "h = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  // expected-error @+1 {{manual partition covers 3 cells, but the model has 2}}
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "manual", manual = [1, 2], recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}

// -----

// Nothing to partition without a strategy.
// expected-error @+1 {{pipe-partition needs a pipe.strategy}}
module {
  pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
    %h = pipe.cell "h = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
}

// -----

// Nor without a model.
// expected-error @+1 {{pipe-partition needs a pipe.model}}
module {
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}
