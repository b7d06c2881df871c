// pipe-partition then pipe-schedule on a 4-cell model: zb-v, 2 ranks,
// virtual 2, 4 micro-batches. The partition records the V placement and the
// schedule follows it; pipe-verify-schedule accepts the result.
// RUN: pipe-opt %s --pipe-partition --pipe-schedule --pipe-verify-schedule | FileCheck %s
//
// Derivation by hand of rank 0's first actions (ScheduleZeroBubble.cpp's
// list schedule; the cell costs here are equal, so the cost-aware search
// keeps the order its equal-cost greedy gives). V placement (language.md):
// stage s on rank s for s < 2, else 3 - s, so rank 0 holds stages 0 and 3,
// rank 1 stages 1 and 2. Each rank takes a ready B (higher stage first), else
// a ready F (higher stage first) while fewer than 2 * ranks = 4 chunk-
// micro-batches are between their F and their W (the lower chunk leaves one
// of the 4 to the upper one), else its oldest W:
//   t  rank 0                               rank 1
//   0  F(0,0)                               idle (F(1,0) needs F(0,0))
//   1  F(0,1)                               F(1,0)
//   2  F(0,2)  (3 held, the 4th is kept)    F(2,0)
//   3  F(3,0)  (F(2,0) ended at 3)          F(1,1)
//   4  B(3,0)  (last stage)                 F(2,1)
//   5  W(3,0)  (4 held: F(3,1) must wait)   B(2,0)
//   6  F(3,1)                               B(1,0)
//   7  B(3,1)                               W(2,0)  (4 held)
//   8  B(0,0)  (B(1,0) ended at 7)          B(2,1)
//   9  W(0,0) ... F(0,3) once memory allows
// Transfer slots are producer ends: rank 0 sends F(0,k)'s outputs at 1, 2,
// 3, receives F(2,0)'s and F(2,1)'s (RecvAct(2,k)) at 3 and 5, sends
// B(3,k)'s gradients (SendGrad(3,k)) at 5 and 8, receives B(1,0)'s
// (RecvGrad(1,0)) at 7. Each group goes before the first compute starting at
// or after its slot, ordered SendAct < RecvAct < SendGrad < RecvGrad.

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

// CHECK:       pipe.stage_ranks = array<i64: 0, 1, 1, 0>
// CHECK-LABEL: pipe.schedule "zb-v" {
// CHECK-NEXT:    pipe.program rank 0 {
// CHECK-NEXT:      pipe.forward stage 0 mb 0
// CHECK-NEXT:      pipe.send_act stage 0 mb 0 to 1
// CHECK-NEXT:      pipe.forward stage 0 mb 1
// CHECK-NEXT:      pipe.send_act stage 0 mb 1 to 1
// CHECK-NEXT:      pipe.forward stage 0 mb 2
// CHECK-NEXT:      pipe.send_act stage 0 mb 2 to 1
// CHECK-NEXT:      pipe.recv_act stage 2 mb 0 from 1
// CHECK-NEXT:      pipe.forward stage 3 mb 0
// CHECK-NEXT:      pipe.backward stage 3 mb 0
// CHECK-NEXT:      pipe.recv_act stage 2 mb 1 from 1
// CHECK-NEXT:      pipe.send_grad stage 3 mb 0 to 1
// CHECK-NEXT:      pipe.weight_grad stage 3 mb 0
// CHECK-NEXT:      pipe.forward stage 3 mb 1
// CHECK-NEXT:      pipe.recv_grad stage 1 mb 0 from 1
// CHECK-NEXT:      pipe.backward stage 3 mb 1
// CHECK-NEXT:      pipe.send_grad stage 3 mb 1 to 1
// CHECK-NEXT:      pipe.weight_grad stage 3 mb 1
// CHECK-NEXT:      pipe.backward stage 0 mb 0
// CHECK:         pipe.program rank 1 {
// CHECK-NEXT:      pipe.recv_act stage 0 mb 0 from 0
// CHECK-NEXT:      pipe.forward stage 1 mb 0
// CHECK-NEXT:      pipe.recv_act stage 0 mb 1 from 0
// CHECK-NEXT:      pipe.forward stage 2 mb 0
// CHECK-NEXT:      pipe.send_act stage 2 mb 0 to 0
// CHECK-NEXT:      pipe.recv_act stage 0 mb 2 from 0
// CHECK-NEXT:      pipe.forward stage 1 mb 1
