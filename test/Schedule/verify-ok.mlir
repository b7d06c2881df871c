// Sound hand-written programs pass pipe-verify-schedule and come out
// unchanged. This is verify-invalid.mlir's deadlocking zb-h1 step with one
// change: rank 1 posts SendGrad(1,0) and RecvAct(0,1) as ONE group (W(1,0)
// moved after them). By hand: rank 1's group meets rank 0's SendAct(0,1)
// at once; rank 1 then waits in the group for RecvGrad(1,0), which rank 0
// posts after F(0,2); both groups complete and the step runs to the end.
// RUN: pipe-opt %s --pipe-verify-schedule | FileCheck %s

pipe.strategy ranks = 2, virtual = 1, microbatches = 3, batch = 1, schedule = "zb-h1", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1

// CHECK-LABEL: pipe.program rank 1
// CHECK:      pipe.send_grad stage 1 mb 0 to 0
// CHECK-NEXT: pipe.recv_act stage 0 mb 1 from 0
// CHECK-NEXT: pipe.weight_grad stage 1 mb 0
pipe.schedule "zb-h1" {
  pipe.program rank 0 {
    pipe.forward stage 0 mb 0
    pipe.send_act stage 0 mb 0 to 1
    pipe.forward stage 0 mb 1
    pipe.send_act stage 0 mb 1 to 1
    pipe.forward stage 0 mb 2
    pipe.recv_grad stage 1 mb 0 from 1
    pipe.backward stage 0 mb 0
    pipe.send_act stage 0 mb 2 to 1
    pipe.recv_grad stage 1 mb 1 from 1
    pipe.backward stage 0 mb 1
    pipe.recv_grad stage 1 mb 2 from 1
    pipe.backward stage 0 mb 2
    pipe.weight_grad stage 0 mb 0
    pipe.weight_grad stage 0 mb 1
    pipe.weight_grad stage 0 mb 2
  }
  pipe.program rank 1 {
    pipe.recv_act stage 0 mb 0 from 0
    pipe.forward stage 1 mb 0
    pipe.backward stage 1 mb 0
    pipe.send_grad stage 1 mb 0 to 0
    pipe.recv_act stage 0 mb 1 from 0
    pipe.weight_grad stage 1 mb 0
    pipe.forward stage 1 mb 1
    pipe.backward stage 1 mb 1
    pipe.send_grad stage 1 mb 1 to 0
    pipe.weight_grad stage 1 mb 1
    pipe.recv_act stage 0 mb 2 from 0
    pipe.forward stage 1 mb 2
    pipe.backward stage 1 mb 2
    pipe.send_grad stage 1 mb 2 to 0
    pipe.weight_grad stage 1 mb 2
  }
}
