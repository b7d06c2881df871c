// The program ops print as they are written and survive a round trip through
// the generic form: every action kind, with a 2-rank zb-h1 step of one
// micro-batch (the smallest program that uses all seven actions) on the
// smallest two-stage model. Every action names the stage on its own rank:
// rank 0's recv_grad feeds B of @s0, rank 1's recv_act feeds F of @s1.
// RUN: pipe-opt %s | pipe-opt | FileCheck %s
// RUN: pipe-opt %s --mlir-print-op-generic | pipe-opt | FileCheck %s
// And it is a sound program: the verifier accepts it unchanged.
// RUN: pipe-opt %s --pipe-verify-schedule | FileCheck %s

pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a_0 = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a_0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss_0 = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss_0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "zb-h1", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1

// CHECK-LABEL: pipe.schedule "zb-h1" for @chain {
// CHECK-NEXT:    pipe.program rank 0 {
// CHECK-NEXT:      pipe.forward @s0 mb 0
// CHECK-NEXT:      pipe.send_act @s0 mb 0 to 1
// CHECK-NEXT:      pipe.recv_grad @s0 mb 0 from 1
// CHECK-NEXT:      pipe.backward @s0 mb 0
// CHECK-NEXT:      pipe.weight_grad @s0 mb 0
// CHECK-NEXT:    }
// CHECK-NEXT:    pipe.program rank 1 {
// CHECK-NEXT:      pipe.recv_act @s1 mb 0 from 0
// CHECK-NEXT:      pipe.forward @s1 mb 0
// CHECK-NEXT:      pipe.backward @s1 mb 0
// CHECK-NEXT:      pipe.send_grad @s1 mb 0 to 0
// CHECK-NEXT:      pipe.weight_grad @s1 mb 0
// CHECK-NEXT:    }
// CHECK-NEXT:  }
pipe.schedule "zb-h1" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 0
    pipe.send_act @s0 mb 0 to 1
    pipe.recv_grad @s0 mb 0 from 1
    pipe.backward @s0 mb 0
    pipe.weight_grad @s0 mb 0
  }
  pipe.program rank 1 {
    pipe.recv_act @s1 mb 0 from 0
    pipe.forward @s1 mb 0
    pipe.backward @s1 mb 0
    pipe.send_grad @s1 mb 0 to 0
    pipe.weight_grad @s1 mb 0
  }
}
