// pipe.strategy accepts schedule "auto" without a virtual rule; auto still
// checks the ranks against the cells and a manual list against its stages.
// RUN: pipe-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK: schedule = "auto"
pipe.strategy ranks = 2, virtual = 3, microbatches = 8, batch = 4, schedule = "auto", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// expected-error @+1 {{manual partition lists 2 stages, but ranks x virtual = 4}}
pipe.strategy ranks = 2, virtual = 2, microbatches = 8, batch = 4, schedule = "auto", partition = "manual", manual = [1, 1], recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// Under auto the ranks alone must not exceed the cells: 2 ranks, 1 cell.
pipe.model @one_cell(%x: tensor<?x8xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(x, x)" {
    %0 = pipe.mse %x, %x : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
// expected-error @+1 {{ranks = 2 exceed the model's 1 cells}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "auto", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// One rank, two chunks on a 1-cell model: fine under auto (virtual is the
// search's), an error for any fixed schedule.
pipe.model @one_cell(%x: tensor<?x8xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(x, x)" {
    %0 = pipe.mse %x, %x : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 1, virtual = 2, microbatches = 8, batch = 4, schedule = "auto", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1
