// pipec --emit=mlir on examples/mlp.pipe: the expected IR below is derived by
// hand from the source (4 linear layers over 64 -> 256 -> 256 -> 256 -> 16,
// defaults of language.md filled in); pipe-opt reads the output back and
// prints it byte for byte.
// RUN: pipec %examples/mlp.pipe --emit=mlir > %t.mlir
// RUN: pipe-opt %t.mlir -mlir-print-debuginfo | diff %t.mlir -
// RUN: pipe-opt %t.mlir -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s

// CHECK: module attributes {pipe.source = "{{.*}}examples/mlp.pipe"} {
// Inputs keep their names and source positions (line 8: `model mlp(x: ..., y: ...)`).
// CHECK-NEXT: pipe.model @mlp(%x: tensor<?x64xf32> loc("{{.*}}mlp.pipe":8:11), %y: tensor<?x16xf32> loc("{{.*}}mlp.pipe":8:36)) -> tensor<f32> {

// Five statements, five cells, each at its statement (lines 9-13, column 3).
// CHECK-NEXT: %h = pipe.cell "h = relu(...)" {
// CHECK-NEXT:   %[[L0:.*]] = pipe.linear %x out_features = 256, bias = true, param = "[[P0:[^"]+]]" : tensor<?x64xf32> -> tensor<?x256xf32>
// CHECK-NEXT:   %[[R0:.*]] = pipe.relu %[[L0]] : tensor<?x256xf32>
// CHECK-NEXT:   pipe.yield %[[R0]] : tensor<?x256xf32>
// CHECK-NEXT: } : tensor<?x256xf32> loc("{{.*}}mlp.pipe":9:3)
// CHECK-NEXT: %h_0 = pipe.cell "h = relu(...)" {
// CHECK-NEXT:   pipe.linear %h out_features = 256, bias = true, param = "[[P1:[^"]+]]" : tensor<?x256xf32> -> tensor<?x256xf32>
// CHECK-NEXT:   pipe.relu
// CHECK-NEXT:   pipe.yield
// CHECK-NEXT: } : tensor<?x256xf32> loc("{{.*}}mlp.pipe":10:3)
// CHECK-NEXT: %h_1 = pipe.cell "h = relu(...)" {
// CHECK-NEXT:   pipe.linear %h_0 out_features = 256, bias = true, param = "[[P2:[^"]+]]" : tensor<?x256xf32> -> tensor<?x256xf32>
// CHECK-NEXT:   pipe.relu
// CHECK-NEXT:   pipe.yield
// CHECK-NEXT: } : tensor<?x256xf32> loc("{{.*}}mlp.pipe":11:3)
// CHECK-NEXT: %pred = pipe.cell "pred = linear(h, outputs)" {
// CHECK-NEXT:   %[[L3:.*]] = pipe.linear %h_1 out_features = 16, bias = true, param = "[[P3:[^"]+]]" : tensor<?x256xf32> -> tensor<?x16xf32>
// CHECK-NEXT:   pipe.yield %[[L3]] : tensor<?x16xf32>
// CHECK-NEXT: } : tensor<?x16xf32> loc("{{.*}}mlp.pipe":12:3)
// CHECK-NEXT: %loss = pipe.cell "return mse(pred, y)" {
// CHECK-NEXT:   %[[M:.*]] = pipe.mse %pred, %y : tensor<?x16xf32> -> tensor<f32> loc("{{.*}}mlp.pipe":13:10)
// CHECK-NEXT:   pipe.yield %[[M]] : tensor<f32>
// CHECK-NEXT: } : tensor<f32> loc("{{.*}}mlp.pipe":13:3)
// CHECK-NEXT: pipe.return %loss : tensor<f32>

// The pipeline block with virtual, recompute and data_parallel defaulted.
// CHECK: pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 32, schedule = "gpipe", partition = "uniform", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
// sgd(lr: 0.01, momentum: 0.9); adam's keys keep their defaults.
// CHECK-NEXT: pipe.train optimizer = "sgd", lr = 1.000000e-02, beta1 = 9.000000e-01, beta2 = 0.99899999999999999, eps = 1.000000e-08, weight_decay = 0.000000e+00, momentum = 9.000000e-01, steps = 50, seed = 1, log_every = 1, data = "synthetic" loc(
