// pipe-partition's uniform and manual splits and the stage placement of
// every schedule kind (language.md), on a chain of 6 cells (5 relu + mse).
// RUN: pipe-opt %s -split-input-file --pipe-partition | FileCheck %s

// uniform, 4 stages over 6 cells: 6 = 4 x 1 + 2, so the first two stages
// take one extra cell: sizes 2, 2, 1, 1, bounds [0, 2, 4, 5, 6]; 1f1b places
// stage s on rank s.
// CHECK-LABEL: pipe.model @chain
// CHECK: pipe.stage @s0 rank 0 {
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s1 rank 1 ins(
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s2 rank 2 ins(
// CHECK-COUNT-1: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s3 rank 3 ins(
// CHECK-COUNT-1: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.return
// CHECK: schedule = "1f1b"
module {
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
  pipe.strategy ranks = 4, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "uniform", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}

// -----

// manual (1, 3, 2): bounds [0, 1, 4, 6] as listed, whatever the costs.
// CHECK-LABEL: pipe.model @chain
// CHECK: pipe.stage @s0 rank 0 {
// CHECK-COUNT-1: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s1 rank 1 ins(
// CHECK-COUNT-3: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s2 rank 2 ins(
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.return
// CHECK: schedule = "gpipe"
module {
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
  pipe.strategy ranks = 3, virtual = 1, microbatches = 4, batch = 1, schedule = "gpipe", partition = "manual", manual = [1, 3, 2], recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}

// -----

// interleaved, 2 ranks x 2 virtual, uniform: 6 = 4 + 2, sizes 2, 2, 1, 1;
// stage s on rank s mod 2.
// CHECK-LABEL: pipe.model @chain
// CHECK: pipe.stage @s0 rank 0 {
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s1 rank 1 ins(
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s2 rank 0 ins(
// CHECK-COUNT-1: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s3 rank 1 ins(
// CHECK-COUNT-1: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.return
// CHECK: schedule = "interleaved"
module {
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
  pipe.strategy ranks = 2, virtual = 2, microbatches = 4, batch = 1, schedule = "interleaved", partition = "uniform", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}

// -----

// zb-v, 2 ranks x 2 virtual, manual (1, 1, 2, 2): the V places stages 0, 1
// on ranks 0, 1 and stages 2, 3 on ranks 2*2-1-2 = 1 and 2*2-1-3 = 0.
// CHECK-LABEL: pipe.model @chain
// CHECK: pipe.stage @s0 rank 0 {
// CHECK-COUNT-1: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s1 rank 1 ins(
// CHECK-COUNT-1: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s2 rank 1 ins(
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s3 rank 0 ins(
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.return
// CHECK: schedule = "zb-v"
module {
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
  pipe.strategy ranks = 2, virtual = 2, microbatches = 4, batch = 1, schedule = "zb-v", partition = "manual", manual = [1, 1, 2, 2], recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}

// -----

// One rank, one stage: every cell.
// CHECK-LABEL: pipe.model @chain
// CHECK: pipe.stage @s0 rank 0 {
// CHECK-COUNT-6: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.return
// CHECK: ranks = 1
module {
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
  pipe.strategy ranks = 1, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}
