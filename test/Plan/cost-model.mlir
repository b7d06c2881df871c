// The estimates pipe-partition records in each cell's pipe.cost, derived by
// hand from the op formulas (compiler/lib/Plan/OpCosts.cpp) and the device
// profiles (compiler/devices/*.json).
// RUN: pipe-opt %s -split-input-file --pipe-partition | FileCheck %s
//
// The model, batch = 2 (a [2, 16] tensor has 32 elements):
//   cell 0  h = relu(linear(x, 16)): 16 x 16 weight + 16 bias = 272 params;
//           backward keeps x (the linear's input) and the linear's output
//           (the relu's input): 2 x 32 elements.
//   cell 1  g = relu(h): keeps h (32 elements); no params.
//   cell 2  g = h + g: keeps nothing.
//   cell 3  mse(g, y): keeps g and y (2 x 32 elements); its output is a scalar.
// Cuts: after cell 0 h crosses (32); after cell 1 h and g (64, h is still
// used by cell 2); after cell 2 the sum (32); none after the last.

// cpu, f32 (4 B a float), no pipe.train (AdamW). State is the runtime's
// parameter arrays: each tensor padded to 64 floats (weight 256, bias 16 ->
// 64: 320 floats), at 4 f32 master + 4 gradient + 8 moments = 16 B a float:
// 5120. Times: cpu fp32 0.27 TFLOP/s, elementwise efficiency 0.4 of it and
// of 20 GB/s, 40 us per launch. relu forward: 32 flops, 2 x 4 x 32 = 256 B:
// memory-bound, 256 / 8e9 s = 0.032 us + 40 us launch = 40.032 us; backward:
// 4 x 4 x 32 = 512 B: 0.064 + 40 = 40.064 us; no weight gradient. Sending
// the 256 B after cell 1 on the cpu link: 200 us + 256 B / 8 GB/s = 200.032 us.
// CHECK-LABEL: pipe.model
// CHECK: "h = relu(linear(x, 16))" attributes {pipe.cost = {act_bytes = 256 : i64, {{.*}}cut_bytes = 128 : i64, {{.*}}out_bytes = 128 : i64, param_bytes = 1088 : i64, {{.*}}state_bytes = 5120 : i64,
// CHECK: "g = relu(h)" attributes {pipe.cost = {act_bytes = 128 : i64, bwd_us = 4.006400e+01 : f64, cut_bytes = 256 : i64, fwd_us = 4.003200e+01 : f64, out_bytes = 128 : i64, param_bytes = 0 : i64, send_us = 2.000320e+02 : f64, state_bytes = 0 : i64, wgrad_us = 0.000000e+00 : f64}}
// CHECK: "g = h + g" attributes {pipe.cost = {act_bytes = 0 : i64, {{.*}}cut_bytes = 128 : i64, {{.*}}out_bytes = 128 : i64,
// CHECK: "return mse(g, y)" attributes {pipe.cost = {act_bytes = 256 : i64, {{.*}}cut_bytes = 0 : i64, {{.*}}out_bytes = 4 : i64, param_bytes = 0 : i64, send_us = 0.000000e+00 : f64,
module {
  pipe.model @mlp(%x: tensor<?x16xf32>, %y: tensor<?x16xf32>) -> tensor<f32> {
    %h = pipe.cell "h = relu(linear(x, 16))" {
      %0 = pipe.linear %x out_features = 16, bias = true, param = "c0" : tensor<?x16xf32> -> tensor<?x16xf32>
      %1 = pipe.relu %0 : tensor<?x16xf32>
      pipe.yield %1 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %g = pipe.cell "g = relu(h)" {
      %0 = pipe.relu %h : tensor<?x16xf32>
      pipe.yield %0 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %g_1 = pipe.cell "g = h + g" {
      %0 = pipe.add %h, %g : tensor<?x16xf32>
      pipe.yield %0 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %loss = pipe.cell "return mse(g, y)" {
      %0 = pipe.mse %g_1, %y : tensor<?x16xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  pipe.strategy ranks = 1, virtual = 1, microbatches = 1, batch = 2, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
}

// -----

// h100, bf16 (2 B a float), SGD with momentum: the cuda backend's 4 f32
// master + 4 gradient + 4 momentum + 2 bf16 working copy = 14 B per padded
// float: 320 x 14 = 4480; params 272 x 2 = 544.
// Kept and crossing bytes halve; the scalar loss is 2 B.
// CHECK-LABEL: pipe.model
// CHECK: "h = relu(linear(x, 16))" attributes {pipe.cost = {act_bytes = 128 : i64, {{.*}}cut_bytes = 64 : i64, {{.*}}out_bytes = 64 : i64, param_bytes = 544 : i64, {{.*}}state_bytes = 4480 : i64,
// CHECK: "g = relu(h)" attributes {pipe.cost = {act_bytes = 64 : i64, {{.*}}cut_bytes = 128 : i64,
// CHECK: "return mse(g, y)" attributes {pipe.cost = {act_bytes = 128 : i64, {{.*}}out_bytes = 2 : i64,
module {
  pipe.model @mlp(%x: tensor<?x16xf32>, %y: tensor<?x16xf32>) -> tensor<f32> {
    %h = pipe.cell "h = relu(linear(x, 16))" {
      %0 = pipe.linear %x out_features = 16, bias = true, param = "c0" : tensor<?x16xf32> -> tensor<?x16xf32>
      %1 = pipe.relu %0 : tensor<?x16xf32>
      pipe.yield %1 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %g = pipe.cell "g = relu(h)" {
      %0 = pipe.relu %h : tensor<?x16xf32>
      pipe.yield %0 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %g_1 = pipe.cell "g = h + g" {
      %0 = pipe.add %h, %g : tensor<?x16xf32>
      pipe.yield %0 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %loss = pipe.cell "return mse(g, y)" {
      %0 = pipe.mse %g_1, %y : tensor<?x16xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  pipe.strategy ranks = 1, virtual = 1, microbatches = 1, batch = 2, schedule = "1f1b", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1
  pipe.train optimizer = "sgd", lr = 1.0e-2, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.9, steps = 1, seed = 1, log_every = 1, data = "synthetic"
}

// -----

// cpu, f32, plain SGD: 4 + 4 gradient = 8 B per padded float: 320 x 8 =
// 2560.
// CHECK-LABEL: pipe.model
// CHECK: "h = relu(linear(x, 16))" attributes {pipe.cost = {{{.*}}param_bytes = 1088 : i64, {{.*}}state_bytes = 2560 : i64,
module {
  pipe.model @mlp(%x: tensor<?x16xf32>, %y: tensor<?x16xf32>) -> tensor<f32> {
    %h = pipe.cell "h = relu(linear(x, 16))" {
      %0 = pipe.linear %x out_features = 16, bias = true, param = "c0" : tensor<?x16xf32> -> tensor<?x16xf32>
      %1 = pipe.relu %0 : tensor<?x16xf32>
      pipe.yield %1 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %g = pipe.cell "g = relu(h)" {
      %0 = pipe.relu %h : tensor<?x16xf32>
      pipe.yield %0 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %g_1 = pipe.cell "g = h + g" {
      %0 = pipe.add %h, %g : tensor<?x16xf32>
      pipe.yield %0 : tensor<?x16xf32>
    } : tensor<?x16xf32>
    %loss = pipe.cell "return mse(g, y)" {
      %0 = pipe.mse %g_1, %y : tensor<?x16xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  pipe.strategy ranks = 1, virtual = 1, microbatches = 1, batch = 2, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
  pipe.train optimizer = "sgd", lr = 1.0e-2, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 1, seed = 1, log_every = 1, data = "synthetic"
}
