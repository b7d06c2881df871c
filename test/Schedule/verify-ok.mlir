// Sound hand-written programs pass pipe-verify-schedule and come out
// unchanged. This is verify-invalid.mlir's deadlocking zb-h1 step with one
// change: rank 1 posts SendGrad(1,0) and RecvAct(1,1) as ONE group (W(1,0)
// moved after them). By hand: rank 1's RecvAct(1,1) meets rank 0's
// SendAct(0,1) at once; rank 1 then waits in the group for its
// SendGrad(1,0) to meet RecvGrad(0,0), which rank 0 posts after F(0,2);
// both groups complete and the step runs to the end.
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
pipe.strategy ranks = 2, virtual = 1, microbatches = 3, batch = 1, schedule = "zb-h1", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1

// CHECK-LABEL: pipe.program rank 1
// CHECK:      pipe.send_grad @s1 mb 0 to 0
// CHECK-NEXT: pipe.recv_act @s1 mb 1 from 0
// CHECK-NEXT: pipe.weight_grad @s1 mb 0
pipe.schedule "zb-h1" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 0
    pipe.send_act @s0 mb 0 to 1
    pipe.forward @s0 mb 1
    pipe.send_act @s0 mb 1 to 1
    pipe.forward @s0 mb 2
    pipe.recv_grad @s0 mb 0 from 1
    pipe.backward @s0 mb 0
    pipe.send_act @s0 mb 2 to 1
    pipe.recv_grad @s0 mb 1 from 1
    pipe.backward @s0 mb 1
    pipe.recv_grad @s0 mb 2 from 1
    pipe.backward @s0 mb 2
    pipe.weight_grad @s0 mb 0
    pipe.weight_grad @s0 mb 1
    pipe.weight_grad @s0 mb 2
  }
  pipe.program rank 1 {
    pipe.recv_act @s1 mb 0 from 0
    pipe.forward @s1 mb 0
    pipe.backward @s1 mb 0
    pipe.send_grad @s1 mb 0 to 0
    pipe.recv_act @s1 mb 1 from 0
    pipe.weight_grad @s1 mb 0
    pipe.forward @s1 mb 1
    pipe.backward @s1 mb 1
    pipe.send_grad @s1 mb 1 to 0
    pipe.weight_grad @s1 mb 1
    pipe.recv_act @s1 mb 2 from 0
    pipe.forward @s1 mb 2
    pipe.backward @s1 mb 2
    pipe.send_grad @s1 mb 2 to 0
    pipe.weight_grad @s1 mb 2
  }
}
