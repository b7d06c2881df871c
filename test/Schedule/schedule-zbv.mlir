// pipe-partition then pipe-schedule on a 4-cell model: zb-v, 2 ranks,
// virtual 2, 4 micro-batches. The partition outlines the stages on the V
// placement and the schedule follows it; pipe-verify-schedule accepts the result.
// RUN: pipe-opt %s --pipe-partition --pipe-schedule --pipe-verify-schedule | FileCheck %s --check-prefix=PLACE
// RUN: pipe-opt %s --pipe-partition --pipe-schedule --pipe-verify-schedule \
// RUN:   | grep -E 'pipe\.(program|forward|backward|weight_grad) ' | FileCheck %s
//
// Derivation by hand (the paper's ZB-V, Qi et al. Section 6; the cells cost
// the same, so no reordering shortens the step and the search keeps the
// paper's shape, which holds the fewest activations). V placement
// (language.md): stage s on rank s for s < 2, else 3 - s, so rank 0 holds
// stages 0 (down) and 3 (back), rank 1 stages 1 and 2. On rank r, with p = 2
// and m = 4: 2(p - r) - 1 F of the down chunk, r pairs F(back) F(down),
// p - r rounds F B W of the back chunk, rounds F(down) B W(down) F B W(back)
// until every F is issued, then r rounds B(down) B(back) with W held, B W
// rounds of the down chunk, and the held W (back chunk first).
//   rank 0: F0.0 F0.1 F0.2 | F3.0 B3.0 W3.0 F3.1 B3.1 W3.1 |
//           F0.3 B0.0 W0.0 F3.2 B3.2 W3.2 | B0.1 W0.1 F3.3 B3.3 W3.3 |
//           B0.2 W0.2 B0.3 W0.3
//   rank 1: F1.0 | F2.0 F1.1 | F2.1 B2.0 W2.0 | F1.2 B1.0 W1.0 F2.2 B2.1
//           W2.1 | F1.3 B1.1 W1.1 F2.3 B2.2 W2.2 | B1.2 B2.3 | B1.3 W1.2 |
//           W2.3 W1.3

pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.cell "a = relu(x)" {
    %0 = pipe.relu %x : tensor<?x4xf32>
    pipe.yield %0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %b = pipe.cell "b = relu(a)" {
    %0 = pipe.relu %a : tensor<?x4xf32>
    pipe.yield %0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %c = pipe.cell "c = relu(b)" {
    %0 = pipe.relu %b : tensor<?x4xf32>
    pipe.yield %0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.cell "return mse(c, y)" {
    %0 = pipe.mse %c, %y : tensor<?x4xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 2, microbatches = 4, batch = 1, schedule = "zb-v", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
pipe.train optimizer = "sgd", lr = 5.000000e-02, beta1 = 9.000000e-01, beta2 = 9.990000e-01, eps = 1.000000e-08, weight_decay = 0.000000e+00, momentum = 0.000000e+00, steps = 10, seed = 1, log_every = 1, data = "synthetic"

// PLACE: pipe.stage @s0 rank 0 {
// PLACE: pipe.stage @s1 rank 1 ins(
// PLACE: pipe.stage @s2 rank 1 ins(
// PLACE: pipe.stage @s3 rank 0 ins(
// CHECK: pipe.program rank 0 {
// CHECK-NEXT: pipe.forward @s0 mb 0{{$}}
// CHECK-NEXT: pipe.forward @s0 mb 1{{$}}
// CHECK-NEXT: pipe.forward @s0 mb 2{{$}}
// CHECK-NEXT: pipe.forward @s3 mb 0{{$}}
// CHECK-NEXT: pipe.backward @s3 mb 0{{$}}
// CHECK-NEXT: pipe.weight_grad @s3 mb 0{{$}}
// CHECK-NEXT: pipe.forward @s3 mb 1{{$}}
// CHECK-NEXT: pipe.backward @s3 mb 1{{$}}
// CHECK-NEXT: pipe.weight_grad @s3 mb 1{{$}}
// CHECK-NEXT: pipe.forward @s0 mb 3{{$}}
// CHECK-NEXT: pipe.backward @s0 mb 0{{$}}
// CHECK-NEXT: pipe.weight_grad @s0 mb 0{{$}}
// CHECK-NEXT: pipe.forward @s3 mb 2{{$}}
// CHECK-NEXT: pipe.backward @s3 mb 2{{$}}
// CHECK-NEXT: pipe.weight_grad @s3 mb 2{{$}}
// CHECK-NEXT: pipe.backward @s0 mb 1{{$}}
// CHECK-NEXT: pipe.weight_grad @s0 mb 1{{$}}
// CHECK-NEXT: pipe.forward @s3 mb 3{{$}}
// CHECK-NEXT: pipe.backward @s3 mb 3{{$}}
// CHECK-NEXT: pipe.weight_grad @s3 mb 3{{$}}
// CHECK-NEXT: pipe.backward @s0 mb 2{{$}}
// CHECK-NEXT: pipe.weight_grad @s0 mb 2{{$}}
// CHECK-NEXT: pipe.backward @s0 mb 3{{$}}
// CHECK-NEXT: pipe.weight_grad @s0 mb 3{{$}}
// CHECK-NEXT: pipe.program rank 1 {
// CHECK-NEXT: pipe.forward @s1 mb 0{{$}}
// CHECK-NEXT: pipe.forward @s2 mb 0{{$}}
// CHECK-NEXT: pipe.forward @s1 mb 1{{$}}
// CHECK-NEXT: pipe.forward @s2 mb 1{{$}}
// CHECK-NEXT: pipe.backward @s2 mb 0{{$}}
// CHECK-NEXT: pipe.weight_grad @s2 mb 0{{$}}
// CHECK-NEXT: pipe.forward @s1 mb 2{{$}}
// CHECK-NEXT: pipe.backward @s1 mb 0{{$}}
// CHECK-NEXT: pipe.weight_grad @s1 mb 0{{$}}
// CHECK-NEXT: pipe.forward @s2 mb 2{{$}}
// CHECK-NEXT: pipe.backward @s2 mb 1{{$}}
// CHECK-NEXT: pipe.weight_grad @s2 mb 1{{$}}
// CHECK-NEXT: pipe.forward @s1 mb 3{{$}}
// CHECK-NEXT: pipe.backward @s1 mb 1{{$}}
// CHECK-NEXT: pipe.weight_grad @s1 mb 1{{$}}
// CHECK-NEXT: pipe.forward @s2 mb 3{{$}}
// CHECK-NEXT: pipe.backward @s2 mb 2{{$}}
// CHECK-NEXT: pipe.weight_grad @s2 mb 2{{$}}
// CHECK-NEXT: pipe.backward @s1 mb 2{{$}}
// CHECK-NEXT: pipe.backward @s2 mb 3{{$}}
// CHECK-NEXT: pipe.backward @s1 mb 3{{$}}
// CHECK-NEXT: pipe.weight_grad @s1 mb 2{{$}}
// CHECK-NEXT: pipe.weight_grad @s2 mb 3{{$}}
// CHECK-NEXT: pipe.weight_grad @s1 mb 3{{$}}
