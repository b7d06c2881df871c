// pipe-schedule on a 4-cell model partitioned the way pipe-partition
// outlines it (cells 0-1 in stage @s0 on rank 0, cells 2-3 in @s1 on rank
// 1): 1F1B, 2 ranks, 3 micro-batches. The programs are then proved
// sound by pipe-verify-schedule, and re-scheduling replaces (not adds to)
// the pipe.schedule.
// RUN: pipe-opt %s --pipe-schedule --pipe-verify-schedule | FileCheck %s
// RUN: pipe-opt %s --pipe-schedule --pipe-schedule | FileCheck %s --check-prefix=ONCE
//
// Derivation by hand (Schedule.h). Compute order, 1F1B: rank r warms up with
// min(ranks-r-1, m) forwards, then alternates F/B, then drains:
//   rank 0 (stage 0): F0 F1 B0 F2 B1 B2      rank 1 (stage 1): F0 B0 F1 B1 F2 B2
// Played with unit costs and free sends ([start,end)):
//   rank 0: F(0,0)[0,1] F(0,1)[1,2] B(0,0)[3,4] F(0,2)[4,5] B(0,1)[5,6] B(0,2)[7,8]
//   rank 1: F(1,0)[1,2] B(1,0)[2,3] F(1,1)[3,4] B(1,1)[4,5] F(1,2)[5,6] B(1,2)[6,7]
// Transfers get their producer's end as slot: SendAct(0,k) at 1, 2, 5;
// SendGrad(1,k) at 3, 5, 7. The sender posts them right after the producer,
// the receiver before its first compute starting at or after the slot;
// transfers between two computes are one group, ordered by (slot, kind).
// Every action names the stage on its own rank: SendAct(0,k) meets
// RecvAct(1,k), which feeds F(1,k); SendGrad(1,k) meets RecvGrad(0,k),
// which feeds B(0,k).
//   rank 0: F00 | SA00 | F01 | SA01 RG00 | B00 | F02 | SA02 RG01 | B01 | RG02 | B02
//   rank 1: RA10 | F10 | RA11 | B10 | SG10 | F11 | B11 | RA12 SG11 | F12 | B12 | SG12

pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %b = pipe.stage @s0 rank 0 {
    %a = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %b_0 = pipe.cell "b = relu(a)" {
      %0 = pipe.relu %a : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %b_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%b : tensor<?x4xf32>) {
  ^bb0(%b_0: tensor<?x4xf32>):
    %c = pipe.cell "c = relu(b)" {
      %0 = pipe.relu %b_0 : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %loss_1 = pipe.cell "return mse(c, y)" {
      %0 = pipe.mse %c, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_1 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 3, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1

// CHECK-LABEL: pipe.schedule "1f1b" for @chain {
// CHECK-NEXT:    pipe.program rank 0 {
// CHECK-NEXT:      pipe.forward @s0 mb 0
// CHECK-NEXT:      pipe.send_act @s0 mb 0 to 1
// CHECK-NEXT:      pipe.forward @s0 mb 1
// CHECK-NEXT:      pipe.send_act @s0 mb 1 to 1
// CHECK-NEXT:      pipe.recv_grad @s0 mb 0 from 1
// CHECK-NEXT:      pipe.backward @s0 mb 0
// CHECK-NEXT:      pipe.forward @s0 mb 2
// CHECK-NEXT:      pipe.send_act @s0 mb 2 to 1
// CHECK-NEXT:      pipe.recv_grad @s0 mb 1 from 1
// CHECK-NEXT:      pipe.backward @s0 mb 1
// CHECK-NEXT:      pipe.recv_grad @s0 mb 2 from 1
// CHECK-NEXT:      pipe.backward @s0 mb 2
// CHECK-NEXT:    }
// CHECK-NEXT:    pipe.program rank 1 {
// CHECK-NEXT:      pipe.recv_act @s1 mb 0 from 0
// CHECK-NEXT:      pipe.forward @s1 mb 0
// CHECK-NEXT:      pipe.recv_act @s1 mb 1 from 0
// CHECK-NEXT:      pipe.backward @s1 mb 0
// CHECK-NEXT:      pipe.send_grad @s1 mb 0 to 0
// CHECK-NEXT:      pipe.forward @s1 mb 1
// CHECK-NEXT:      pipe.backward @s1 mb 1
// CHECK-NEXT:      pipe.recv_act @s1 mb 2 from 0
// CHECK-NEXT:      pipe.send_grad @s1 mb 1 to 0
// CHECK-NEXT:      pipe.forward @s1 mb 2
// CHECK-NEXT:      pipe.backward @s1 mb 2
// CHECK-NEXT:      pipe.send_grad @s1 mb 2 to 0
// CHECK-NEXT:    }
// CHECK-NEXT:  }

// ONCE-COUNT-1: pipe.schedule
// ONCE-NOT: pipe.schedule
