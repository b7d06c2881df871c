// --profile errors: pipe-partition=profile=FILE reports a bad file without a
// source location (the file is a command-line input, and its message names
// it; issue 16) and writes nothing.
// RUN: not pipe-opt %s --pipe-partition=profile=%S/Inputs/five-cells.json 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: not pipe-opt %s --pipe-partition=profile=%S/Inputs/missing-field.json 2>&1 | FileCheck %s --check-prefix=FIELD
// RUN: not pipe-opt %s --pipe-partition=profile=%S/Inputs/truncated.json 2>&1 | FileCheck %s --check-prefix=JSON
// RUN: not pipe-opt %s --pipe-partition=profile=%S/Inputs/no-such-profile.json 2>&1 | FileCheck %s --check-prefix=MISSING

// The model has 6 cells (5 relu + mse); five-cells.json lists 5.
// COUNT: {{^}}<unknown>:0: error: profile '{{.*}}five-cells.json' has 5 cells, the model has 6
// Cell 1 of missing-field.json has no wgrad_us.
// FIELD: {{^}}<unknown>:0: error: profile '{{.*}}missing-field.json': cell 1: field 'wgrad_us' is missing
// JSON: {{^}}<unknown>:0: error: profile '{{.*}}truncated.json': invalid JSON
// MISSING: {{^}}<unknown>:0: error: cannot read profile '{{.*}}no-such-profile.json'
  pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
    %h0 = pipe.cell "h = relu(h)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %h1 = pipe.cell "h = relu(h)" {
      %0 = pipe.relu %h0 : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %h2 = pipe.cell "h = relu(h)" {
      %0 = pipe.relu %h1 : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %h3 = pipe.cell "h = relu(h)" {
      %0 = pipe.relu %h2 : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %h4 = pipe.cell "h = relu(h)" {
      %0 = pipe.relu %h3 : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h4, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
// COUNT-NOT: pipe.stage @
// FIELD-NOT: pipe.stage @
