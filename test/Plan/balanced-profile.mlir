// pipe-partition with measured costs: a --profile file fixes each cell's
// time, so the optimal balanced split can be found by hand.
// RUN: pipe-opt %s --pipe-partition=profile=%S/Inputs/six-cells.json | FileCheck %s
// RUN: pipe-opt %s --pipe-partition=profile=%S/Inputs/six-cells.json | FileCheck %s --check-prefix=STAGE
//
// Inputs/six-cells.json gives the six cells these times (fwd + bwd + wgrad):
//   cell  0     1     2     3     4     5
//   t     1     2     6     1     1     3      (total 14)
// Three stages (ranks = 3, virtual = 1). Any stage holding cell 2 costs at
// least 6. With cell 2 alone as stage 1, stage 0 = {0, 1} (3) and
// stage 2 = {3, 4, 5} (5): max 6. Cell 2 cannot be stage 0 or 2 alone (cells
// precede and follow it), and with a neighbour its stage costs >= 7. So the
// unique optimum is bounds [0, 2, 3, 6] with bottleneck 6. (A uniform split
// [0, 2, 4, 6] would cost max(3, 7, 4) = 7.) Memory does not bind: the model
// needs a few KiB of the cpu profile's 24 GiB.

module {
  pipe.model @mlp(%x: tensor<?x16xf32>, %y: tensor<?x16xf32>) -> tensor<f32> {
    %h0 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %x out_features = 16, bias = true, param = "c0" : tensor<?x16xf32> -> tensor<?x16xf32>
      %1 = pipe.relu %0 : tensor<?x16xf32>
      pipe.yield %1 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %h1 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h0 out_features = 16, bias = true, param = "c1" : tensor<?x16xf32> -> tensor<?x16xf32>
      %1 = pipe.relu %0 : tensor<?x16xf32>
      pipe.yield %1 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %h2 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h1 out_features = 16, bias = true, param = "c2" : tensor<?x16xf32> -> tensor<?x16xf32>
      %1 = pipe.relu %0 : tensor<?x16xf32>
      pipe.yield %1 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %h3 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h2 out_features = 16, bias = true, param = "c3" : tensor<?x16xf32> -> tensor<?x16xf32>
      %1 = pipe.relu %0 : tensor<?x16xf32>
      pipe.yield %1 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %h4 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h3 out_features = 16, bias = true, param = "c4" : tensor<?x16xf32> -> tensor<?x16xf32>
      %1 = pipe.relu %0 : tensor<?x16xf32>
      pipe.yield %1 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h4, %y : tensor<?x16xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  pipe.strategy ranks = 3, virtual = 1, microbatches = 6, batch = 2, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}

// The profile's times replace the estimates (cell 2: 1.5 / 3 / 1.5, send
// 0.5); the bytes stay estimated: see cost-model.mlir for their derivation.
// CHECK-LABEL: pipe.model @mlp
// CHECK: pipe.cell "{{.*}}" attributes {pipe.cost = {{{.*}}bwd_us = 5.000000e-01 : f64,{{.*}}fwd_us = 2.500000e-01 : f64,{{.*}}send_us = 5.000000e-01 : f64,{{.*}}wgrad_us = 2.500000e-01 : f64}}
// CHECK: pipe.cell "{{.*}}" attributes {pipe.cost = {{{.*}}bwd_us = 1.000000e+00 : f64,{{.*}}fwd_us = 5.000000e-01 : f64,
// CHECK: pipe.cell "{{.*}}" attributes {pipe.cost = {{{.*}}bwd_us = 3.000000e+00 : f64,{{.*}}fwd_us = 1.500000e+00 : f64,{{.*}}wgrad_us = 1.500000e+00 : f64}}
// CHECK: pipe.cell "{{.*}}" attributes {pipe.cost = {{{.*}}bwd_us = 5.000000e-01 : f64,
// CHECK: pipe.cell "{{.*}}" attributes {pipe.cost = {{{.*}}bwd_us = 5.000000e-01 : f64,
// CHECK: pipe.cell "{{.*}}" attributes {pipe.cost = {{{.*}}bwd_us = 1.500000e+00 : f64,{{.*}}fwd_us = 7.500000e-01 : f64,{{.*}}send_us = 0.000000e+00 : f64,
// CHECK: pipe.strategy
// The split [0, 2, 3, 6] on ranks 0, 1, 2, as outlined stages:
// STAGE-LABEL: pipe.model @mlp
// STAGE: pipe.stage @s0 rank 0 {
// STAGE-COUNT-2: pipe.cell "
// STAGE-NOT: pipe.cell "
// STAGE: pipe.stage @s1 rank 1 ins(
// STAGE-COUNT-1: pipe.cell "
// STAGE-NOT: pipe.cell "
// STAGE: pipe.stage @s2 rank 2 ins(
// STAGE-COUNT-3: pipe.cell "
// STAGE-NOT: pipe.cell "
// STAGE: pipe.return
