// Every op of the pipe dialect prints in the custom form it was written in,
// and that form parses back to the same IR (also via the generic form).
// RUN: pipe-opt %s | pipe-opt | FileCheck %s
// RUN: pipe-opt %s --mlir-print-op-generic | pipe-opt | FileCheck %s

// CHECK-LABEL: module attributes {pipe.source = "gpt-tiny.pipe"}
module attributes {pipe.source = "gpt-tiny.pipe"} {
  // CHECK: pipe.extern_op @gating ["a", "b"] from "gating.cu"
  pipe.extern_op @gating ["a", "b"] from "gating.cu"

  // Input names come from the SSA names and are printed back as such.
  // CHECK: pipe.model @gpt(%tokens: tensor<?x8xi32>, %targets: tensor<?x8xi32>) -> tensor<f32> {
  pipe.model @gpt(%tokens: tensor<?x8xi32>, %targets: tensor<?x8xi32>) -> tensor<f32> {
    // Cell results are named after the variable the statement binds.
    // CHECK-NEXT: %x = pipe.cell "x = embedding(...)" {
    // CHECK-NEXT:   %[[E:.*]] = pipe.embedding %tokens vocab = 256, dim = 16, positional = true, param = "c0.embedding" : tensor<?x8xi32> -> tensor<?x8x16xf32>
    // CHECK-NEXT:   pipe.yield %[[E]] : tensor<?x8x16xf32>
    // CHECK-NEXT: } : tensor<?x8x16xf32>
    %x = pipe.cell "x = embedding(...)" {
      %0 = pipe.embedding %tokens vocab = 256, dim = 16, positional = true, param = "c0.embedding" : tensor<?x8xi32> -> tensor<?x8x16xf32>
      pipe.yield %0 : tensor<?x8x16xf32>
    } : tensor<?x8x16xf32>
    // CHECK-NEXT: %x_0 = pipe.cell "x = x + attention(...)" {
    // CHECK-NEXT:   %[[N:.*]] = pipe.layernorm %x eps = 1.000000e-05, param = "c1.layernorm" : tensor<?x8x16xf32>
    // CHECK-NEXT:   %[[A:.*]] = pipe.attention %[[N]] heads = 4, kv_heads = 2, causal = true, rope = false, param = "c1.attention" : tensor<?x8x16xf32>
    // CHECK-NEXT:   %[[S:.*]] = pipe.add %x, %[[A]] : tensor<?x8x16xf32>
    // CHECK-NEXT:   pipe.yield %[[S]] : tensor<?x8x16xf32>
    // CHECK-NEXT: } : tensor<?x8x16xf32>
    %x_1 = pipe.cell "x = x + attention(...)" {
      %0 = pipe.layernorm %x eps = 1.0e-5, param = "c1.layernorm" : tensor<?x8x16xf32>
      %1 = pipe.attention %0 heads = 4, kv_heads = 2, causal = true, rope = false, param = "c1.attention" : tensor<?x8x16xf32>
      %2 = pipe.add %x, %1 : tensor<?x8x16xf32>
      pipe.yield %2 : tensor<?x8x16xf32>
    } : tensor<?x8x16xf32>
    // CHECK-NEXT: %x_1 = pipe.cell "x = x + linear(...)" {
    // CHECK-NEXT:   %[[R:.*]] = pipe.rmsnorm %x_0 eps = 9.9999999999999995E-7, param = "c2.rmsnorm" : tensor<?x8x16xf32>
    // CHECK-NEXT:   %[[L1:.*]] = pipe.linear %[[R]] out_features = 32, bias = false, param = "c2.linear0" : tensor<?x8x16xf32> -> tensor<?x8x32xf32>
    // CHECK-NEXT:   %[[G:.*]] = pipe.gelu %[[L1]] : tensor<?x8x32xf32>
    // CHECK-NEXT:   %[[U:.*]] = pipe.relu %[[G]] : tensor<?x8x32xf32>
    // CHECK-NEXT:   %[[SI:.*]] = pipe.silu %[[U]] : tensor<?x8x32xf32>
    // CHECK-NEXT:   %[[M:.*]] = pipe.mul %[[SI]], %[[L1]] : tensor<?x8x32xf32>
    // CHECK-NEXT:   %[[C:.*]] = pipe.extern_call @gating(%[[M]], %[[G]]) : tensor<?x8x32xf32>
    // CHECK-NEXT:   %[[L2:.*]] = pipe.linear %[[C]] out_features = 16, bias = true, param = "c2.linear1" : tensor<?x8x32xf32> -> tensor<?x8x16xf32>
    // CHECK-NEXT:   %[[S2:.*]] = pipe.add %x_0, %[[L2]] : tensor<?x8x16xf32>
    // CHECK-NEXT:   pipe.yield %[[S2]] : tensor<?x8x16xf32>
    // CHECK-NEXT: } : tensor<?x8x16xf32>
    %x_2 = pipe.cell "x = x + linear(...)" {
      %0 = pipe.rmsnorm %x_1 eps = 1.0e-6, param = "c2.rmsnorm" : tensor<?x8x16xf32>
      %1 = pipe.linear %0 out_features = 32, bias = false, param = "c2.linear0" : tensor<?x8x16xf32> -> tensor<?x8x32xf32>
      %2 = pipe.gelu %1 : tensor<?x8x32xf32>
      %3 = pipe.relu %2 : tensor<?x8x32xf32>
      %4 = pipe.silu %3 : tensor<?x8x32xf32>
      %5 = pipe.mul %4, %1 : tensor<?x8x32xf32>
      %6 = pipe.extern_call @gating(%5, %2) : tensor<?x8x32xf32>
      %7 = pipe.linear %6 out_features = 16, bias = true, param = "c2.linear1" : tensor<?x8x32xf32> -> tensor<?x8x16xf32>
      %8 = pipe.add %x_1, %7 : tensor<?x8x16xf32>
      pipe.yield %8 : tensor<?x8x16xf32>
    } : tensor<?x8x16xf32>
    // A cell with no ops that later cells use yields nothing.
    // CHECK-NEXT: pipe.cell "y = x" {
    // CHECK-NEXT:   pipe.yield
    // CHECK-NEXT: }
    pipe.cell "y = x" {
      pipe.yield
    }
    // CHECK-NEXT: %loss = pipe.cell "return cross_entropy(...)" {
    // CHECK-NEXT:   %[[LG:.*]] = pipe.linear %x_1 out_features = 256, bias = false, param = "c4.linear" : tensor<?x8x16xf32> -> tensor<?x8x256xf32>
    // CHECK-NEXT:   %[[CE:.*]] = pipe.cross_entropy %[[LG]], %targets : tensor<?x8x256xf32>, tensor<?x8xi32> -> tensor<f32>
    // CHECK-NEXT:   pipe.yield %[[CE]] : tensor<f32>
    // CHECK-NEXT: } : tensor<f32>
    // CHECK-NEXT: pipe.return %loss : tensor<f32>
    %loss = pipe.cell "return cross_entropy(...)" {
      %0 = pipe.linear %x_2 out_features = 256, bias = false, param = "c4.linear" : tensor<?x8x16xf32> -> tensor<?x8x256xf32>
      %1 = pipe.cross_entropy %0, %targets : tensor<?x8x256xf32>, tensor<?x8xi32> -> tensor<f32>
      pipe.yield %1 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }

  // CHECK: pipe.strategy ranks = 2, virtual = 2, microbatches = 8, batch = 4, schedule = "interleaved", partition = "manual", manual = [1, 1, 1, 2], recompute = true, precision = "bf16", device = "h100", data_parallel = 2
  pipe.strategy ranks = 2, virtual = 2, microbatches = 8, batch = 4, schedule = "interleaved", partition = "manual", manual = [1, 1, 1, 2], recompute = true, precision = "bf16", device = "h100", data_parallel = 2
  // CHECK: pipe.train optimizer = "adamw", lr = 1.000000e-03, beta1 = 9.000000e-01, beta2 = 0.94999999999999996, eps = 1.000000e-08, weight_decay = 1.000000e-01, momentum = 0.000000e+00, steps = 200, seed = 7, log_every = 10, data = "bytes", data_file = "corpus.txt"
  pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.95, eps = 1.0e-8, weight_decay = 0.1, momentum = 0.0, steps = 200, seed = 7, log_every = 10, data = "bytes", data_file = "corpus.txt"
}

