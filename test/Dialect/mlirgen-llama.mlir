// pipec --emit=mlir on examples/llama.pipe: RMSNorm, RoPE, the built-in swiglu,
// grouped-query attention (32 heads over 4 kv heads); derived by hand from
// the source; pipe-opt reads the output back and prints it byte for byte.
// RUN: pipec %examples/llama.pipe --emit=mlir > %t.mlir
// RUN: pipe-opt %t.mlir -mlir-print-debuginfo | diff %t.mlir -
// RUN: FileCheck %s < %t.mlir
// RUN: grep -c "pipe.cell" %t.mlir | FileCheck %s --check-prefix=CELLS
// RUN: grep -c "pipe.rmsnorm" %t.mlir | FileCheck %s --check-prefix=NORMS

// 1 embedding + 22 decoders + logits + return.
// CELLS: {{^}}25{{$}}
// Two per decoder and one before the logits: 2 * 22 + 1.
// NORMS: {{^}}45{{$}}

// CHECK: pipe.model @llama(%tokens: tensor<?x2048xi32> {{.*}}, %targets: tensor<?x2048xi32> {{.*}}) -> tensor<f32> {
// No `positional:` given: defaults to false.
// CHECK: pipe.embedding %tokens vocab = 32000, dim = 2048, positional = false, {{.*}} : tensor<?x2048xi32> -> tensor<?x2048x2048xf32>
// CHECK: %x_0 = pipe.cell "x = decoder(x)" {
// rmsnorm's default eps is 1e-6.
// CHECK-NEXT: %[[N:.*]] = pipe.rmsnorm %x eps = 9.9999999999999995E-7, {{.*}} : tensor<?x2048x2048xf32>
// CHECK-NEXT: %[[A:.*]] = pipe.attention %[[N]] heads = 32, kv_heads = 4, causal = true, rope = true, {{.*}} : tensor<?x2048x2048xf32>
// CHECK-NEXT: %[[X:.*]] = pipe.add %x, %[[A]]
// CHECK-NEXT: %[[N2:.*]] = pipe.rmsnorm %[[X]]
// swiglu_mlp inlined inside decoder: gate = linear(x), up = linear(x),
// linear(swiglu(gate, up)).
// CHECK-NEXT: %[[G:.*]] = pipe.linear %[[N2]] out_features = 5632, bias = false, {{.*}} -> tensor<?x2048x5632xf32>
// CHECK-NEXT: %[[U:.*]] = pipe.linear %[[N2]] out_features = 5632, bias = false,
// CHECK-NEXT: %[[M:.*]] = pipe.swiglu %[[G]], %[[U]] : tensor<?x2048x5632xf32>
// CHECK-NEXT: %[[D:.*]] = pipe.linear %[[M]] out_features = 2048, bias = false, {{.*}} -> tensor<?x2048x2048xf32>
// CHECK-NEXT: pipe.add %[[X]], %[[D]]
// CHECK: pipe.cross_entropy %logits, %targets : tensor<?x2048x32000xf32>, tensor<?x2048xi32> -> tensor<f32>
// precision defaults to bf16.
// CHECK: pipe.strategy ranks = 4, virtual = 2, microbatches = 16, batch = 1, schedule = "interleaved", partition = "balanced", recompute = true, precision = "bf16", device = "h100", data_parallel = 1
// CHECK-NEXT: pipe.train optimizer = "adamw", lr = 4.000000e-04, beta1 = 9.000000e-01, beta2 = 0.94999999999999996, eps = 1.000000e-08, weight_decay = 1.000000e-01, momentum = 0.000000e+00, steps = 20, seed = 1, log_every = 1, data = "synthetic" loc(
