// pipec --emit=mlir on examples/tiny-gpt.pipe: 7 cells (embedding, 4 inlined
// transformer blocks, logits, loss), derived by hand from the source; block
// ops carry callsite(block line at call line) locations; pipe-opt reads the
// output back and prints it byte for byte.
// RUN: pipec %examples/tiny-gpt.pipe --emit=mlir > %t.mlir
// RUN: pipe-opt %t.mlir -mlir-print-debuginfo | diff %t.mlir -
// RUN: pipe-opt %t.mlir -mlir-print-debuginfo -mlir-print-local-scope | FileCheck %s
// RUN: grep -c "pipe.cell" %t.mlir | FileCheck %s --check-prefix=CELLS
// RUN: grep -c "pipe.attention" %t.mlir | FileCheck %s --check-prefix=ATTENTION

// 1 embedding + `repeat 4` transformers + logits + return = 7 cells.
// CELLS: {{^}}7{{$}}
// One attention per transformer copy.
// ATTENTION: {{^}}4{{$}}

// CHECK: pipe.model @tiny_gpt(%tokens: tensor<?x64xi32> {{.*}}, %targets: tensor<?x64xi32> {{.*}}) -> tensor<f32> {
// CHECK-NEXT: %x = pipe.cell "x = embedding(...)" {
// CHECK-NEXT:   pipe.embedding %tokens vocab = 256, dim = 64, positional = true, param = "{{[^"]+}}" : tensor<?x64xi32> -> tensor<?x64x64xf32>

// First transformer (line 17 `x = transformer(x)`): block lines 9 and 10.
// CHECK: %x_0 = pipe.cell "x = transformer(x)" {
// CHECK-NEXT: %[[N1:.*]] = pipe.layernorm %x eps = 1.000000e-05, param = "{{[^"]+}}" : tensor<?x64x64xf32>
// CHECK-NEXT: %[[A:.*]] = pipe.attention %[[N1]] heads = 4, kv_heads = 4, causal = true, rope = false, param = "{{[^"]+}}" : tensor<?x64x64xf32> loc(callsite("{{.*}}tiny-gpt.pipe":9:11 at "{{.*}}tiny-gpt.pipe":17:{{[0-9]+}}))
// CHECK-NEXT: %[[X1:.*]] = pipe.add %x, %[[A]] : tensor<?x64x64xf32>
// CHECK-NEXT: %[[N2:.*]] = pipe.layernorm %[[X1]] eps = 1.000000e-05
// 4 * dim = 256.
// CHECK-NEXT: %[[U:.*]] = pipe.linear %[[N2]] out_features = 256, bias = true, param = "{{[^"]+}}" : tensor<?x64x64xf32> -> tensor<?x64x256xf32>
// CHECK-NEXT: %[[G:.*]] = pipe.gelu %[[U]] : tensor<?x64x256xf32>
// CHECK-NEXT: %[[D:.*]] = pipe.linear %[[G]] out_features = 64, bias = true, param = "{{[^"]+}}" : tensor<?x64x256xf32> -> tensor<?x64x64xf32>
// CHECK-NEXT: %[[X2:.*]] = pipe.add %[[X1]], %[[D]] : tensor<?x64x64xf32>
// CHECK-NEXT: pipe.yield %[[X2]] : tensor<?x64x64xf32>
// CHECK-NEXT: } : tensor<?x64x64xf32> loc("{{.*}}tiny-gpt.pipe":17:5)
// Each repeat copy reads the previous copy's result.
// CHECK-NEXT: %x_1 = pipe.cell "x = transformer(x)" {
// CHECK-NEXT: pipe.layernorm %x_0
// CHECK: %x_2 = pipe.cell "x = transformer(x)" {
// CHECK-NEXT: pipe.layernorm %x_1
// CHECK: %x_3 = pipe.cell "x = transformer(x)" {
// CHECK-NEXT: pipe.layernorm %x_2

// CHECK: %logits = pipe.cell "logits = linear(...)" {
// CHECK-NEXT: %[[NF:.*]] = pipe.layernorm %x_3
// CHECK-NEXT: pipe.linear %[[NF]] out_features = 256, bias = false, param = "{{[^"]+}}" : tensor<?x64x64xf32> -> tensor<?x64x256xf32>
// CHECK: %loss = pipe.cell "return cross_entropy(logits, targets)" {
// CHECK-NEXT: pipe.cross_entropy %logits, %targets : tensor<?x64x256xf32>, tensor<?x64xi32> -> tensor<f32>
// CHECK: pipe.return %loss : tensor<f32>

// CHECK: pipe.strategy ranks = 2, virtual = 2, microbatches = 4, batch = 4, schedule = "interleaved", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
// adamw(lr: 1e-3, weight_decay: 0.1), betas and eps defaulted; bytes("data/...").
// CHECK-NEXT: pipe.train optimizer = "adamw", lr = 1.000000e-03, beta1 = 9.000000e-01, beta2 = 0.99899999999999999, eps = 1.000000e-08, weight_decay = 1.000000e-01, momentum = 0.000000e+00, steps = 200, seed = 1, log_every = 10, data = "bytes", data_file = "{{.*}}data/tiny-shakespeare.txt"
