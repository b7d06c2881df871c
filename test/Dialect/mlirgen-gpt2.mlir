// pipec --emit=mlir on examples/gpt2.pipe (GPT-2 124M): shapes and counts
// derived by hand from the source; pipe-opt reads the output back and prints
// it byte for byte.
// RUN: pipec %examples/gpt2.pipe --emit=mlir > %t.mlir
// RUN: pipe-opt %t.mlir -mlir-print-debuginfo | diff %t.mlir -
// RUN: FileCheck %s < %t.mlir
// RUN: grep -c "pipe.cell" %t.mlir | FileCheck %s --check-prefix=CELLS
// RUN: grep -c "heads = 12, kv_heads = 12, causal = true, rope = false" %t.mlir | FileCheck %s --check-prefix=LAYERS

// 1 embedding + 12 layers + logits + return.
// CELLS: {{^}}15{{$}}
// LAYERS: {{^}}12{{$}}

// CHECK: pipe.model @gpt2(%tokens: tensor<?x1024xi32> {{.*}}, %targets: tensor<?x1024xi32> {{.*}}) -> tensor<f32> {
// CHECK: pipe.embedding %tokens vocab = 50304, dim = 768, positional = true, {{.*}} : tensor<?x1024xi32> -> tensor<?x1024x768xf32>
// 4 * dim = 3072.
// CHECK: pipe.linear {{.*}} out_features = 3072, bias = true, {{.*}} : tensor<?x1024x768xf32> -> tensor<?x1024x3072xf32>
// CHECK: pipe.linear {{.*}} out_features = 50304, bias = false, {{.*}} : tensor<?x1024x768xf32> -> tensor<?x1024x50304xf32>
// CHECK: pipe.cross_entropy %logits, %targets : tensor<?x1024x50304xf32>, tensor<?x1024xi32> -> tensor<f32>
// CHECK: pipe.strategy ranks = 4, virtual = 1, microbatches = 16, batch = 8, schedule = "1f1b", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1
// 0.95 prints as the 17-digit decimal of its double.
// CHECK-NEXT: pipe.train optimizer = "adamw", lr = 6.000000e-04, beta1 = 9.000000e-01, beta2 = 0.94999999999999996, eps = 1.000000e-08, weight_decay = 1.000000e-01, momentum = 0.000000e+00, steps = 20, seed = 1, log_every = 1, data = "synthetic" loc(
