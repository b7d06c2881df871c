// pipe-schedule for Megatron's interleaved 1F1B: 2 ranks, virtual 2 (stages
// 0..3, stage s on rank s mod 2), 2 micro-batches, with a stale pipe.schedule
// in the input that the pass must replace.
// RUN: pipe-opt %s --pipe-schedule --pipe-verify-schedule | FileCheck %s
//
// Derivation by hand. Megatron's table (groups of ranks = 2 micro-batches per
// chunk), forward order (mb, chunk): (0,0) (1,0) (0,1) (1,1); backward runs
// the same table with chunk v-1-c. Warm-up 2(ranks-r-1) + (v-1)ranks, capped
// at 4: rank 0 does 4 (all F first), rank 1 does 2.
//   rank 0 (stages 0, 2): F00 F01 F20 F21 B20 B21 B00 B01
//   rank 1 (stages 1, 3): F10 F11 F30 B30 F31 B31 B10 B11
// Unit-cost play: rank 0 F00[0,1] F01[1,2] F20[2,3] F21[3,4] B20[5,6]
// B21[7,8] B00[8,9] B01[9,10]; rank 1 F10[1,2] F11[2,3] F30[3,4] B30[4,5]
// F31[5,6] B31[6,7] B10[7,8] B11[8,9]. Every boundary crosses ranks; slots
// (producer ends): SA00 1, SA01 2, SA10 2, SA11 3, SA20 3, SA21 4, SG30 5,
// SG20 6, SG31 7, SG21 8, SG10 8, SG11 9. Each receive names the stage on
// its own rank, the consumer: SA(s,k) meets RA(s+1,k), SG(s,k) meets
// RG(s-1,k). Groups sorted by (slot, kind: SendAct < RecvAct < SendGrad <
// RecvGrad):
//   rank 0: F00 |SA00| F01 |SA01 RA20| F20 |SA20 RA21| F21 |SA21 RG20| B20
//           |SG20 RG21| B21 |SG21 RG00| B00 |RG01| B01
//   rank 1: |RA10| F10 |SA10 RA11| F11 |SA11 RA30| F30 |RA31| B30 |SG30| F31
//           |RG10| B31 |SG31| B10 |SG10 RG11| B11 |SG11|

pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %b = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_0: tensor<?x4xf32>):
    %b_1 = pipe.cell "b = relu(a)" {
      %0 = pipe.relu %a_0 : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %b_1 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %c = pipe.stage @s2 rank 0 ins(%b : tensor<?x4xf32>) {
  ^bb0(%b_0: tensor<?x4xf32>):
    %c_1 = pipe.cell "c = relu(b)" {
      %0 = pipe.relu %b_0 : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %c_1 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s3 rank 1 ins(%c : tensor<?x4xf32>) {
  ^bb0(%c_0: tensor<?x4xf32>):
    %loss_1 = pipe.cell "return mse(c, y)" {
      %0 = pipe.mse %c_0, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_1 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 2, microbatches = 2, batch = 1, schedule = "interleaved", partition = "uniform", recompute = false, precision = "f32", device = "cpu", data_parallel = 1

pipe.schedule "gpipe" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 7
  }
}

// CHECK-NOT: pipe.schedule "gpipe"
// CHECK-NOT: mb 7
// CHECK-LABEL: pipe.schedule "interleaved" for @chain {
// CHECK-NEXT:    pipe.program rank 0 {
// CHECK-NEXT:      pipe.forward @s0 mb 0
// CHECK-NEXT:      pipe.send_act @s0 mb 0 to 1
// CHECK-NEXT:      pipe.forward @s0 mb 1
// CHECK-NEXT:      pipe.send_act @s0 mb 1 to 1
// CHECK-NEXT:      pipe.recv_act @s2 mb 0 from 1
// CHECK-NEXT:      pipe.forward @s2 mb 0
// CHECK-NEXT:      pipe.send_act @s2 mb 0 to 1
// CHECK-NEXT:      pipe.recv_act @s2 mb 1 from 1
// CHECK-NEXT:      pipe.forward @s2 mb 1
// CHECK-NEXT:      pipe.send_act @s2 mb 1 to 1
// CHECK-NEXT:      pipe.recv_grad @s2 mb 0 from 1
// CHECK-NEXT:      pipe.backward @s2 mb 0
// CHECK-NEXT:      pipe.send_grad @s2 mb 0 to 1
// CHECK-NEXT:      pipe.recv_grad @s2 mb 1 from 1
// CHECK-NEXT:      pipe.backward @s2 mb 1
// CHECK-NEXT:      pipe.send_grad @s2 mb 1 to 1
// CHECK-NEXT:      pipe.recv_grad @s0 mb 0 from 1
// CHECK-NEXT:      pipe.backward @s0 mb 0
// CHECK-NEXT:      pipe.recv_grad @s0 mb 1 from 1
// CHECK-NEXT:      pipe.backward @s0 mb 1
// CHECK-NEXT:    }
// CHECK-NEXT:    pipe.program rank 1 {
// CHECK-NEXT:      pipe.recv_act @s1 mb 0 from 0
// CHECK-NEXT:      pipe.forward @s1 mb 0
// CHECK-NEXT:      pipe.send_act @s1 mb 0 to 0
// CHECK-NEXT:      pipe.recv_act @s1 mb 1 from 0
// CHECK-NEXT:      pipe.forward @s1 mb 1
// CHECK-NEXT:      pipe.send_act @s1 mb 1 to 0
// CHECK-NEXT:      pipe.recv_act @s3 mb 0 from 0
// CHECK-NEXT:      pipe.forward @s3 mb 0
// CHECK-NEXT:      pipe.recv_act @s3 mb 1 from 0
// CHECK-NEXT:      pipe.backward @s3 mb 0
// CHECK-NEXT:      pipe.send_grad @s3 mb 0 to 0
// CHECK-NEXT:      pipe.forward @s3 mb 1
// CHECK-NEXT:      pipe.recv_grad @s1 mb 0 from 0
// CHECK-NEXT:      pipe.backward @s3 mb 1
// CHECK-NEXT:      pipe.send_grad @s3 mb 1 to 0
// CHECK-NEXT:      pipe.backward @s1 mb 0
// CHECK-NEXT:      pipe.send_grad @s1 mb 0 to 0
// CHECK-NEXT:      pipe.recv_grad @s1 mb 1 from 0
// CHECK-NEXT:      pipe.backward @s1 mb 1
// CHECK-NEXT:      pipe.send_grad @s1 mb 1 to 0
// CHECK-NEXT:    }
// CHECK-NEXT:  }
