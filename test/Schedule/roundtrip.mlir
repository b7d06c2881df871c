// The program ops print as they are written and survive a round trip through
// the generic form: every action kind, with a 2-rank zb-h1 step of one
// micro-batch (the smallest program that uses all seven actions).
// RUN: pipe-opt %s | pipe-opt | FileCheck %s
// RUN: pipe-opt %s --mlir-print-op-generic | pipe-opt | FileCheck %s
// And it is a sound program: the verifier accepts it unchanged.
// RUN: pipe-opt %s --pipe-verify-schedule | FileCheck %s

pipe.strategy ranks = 2, virtual = 1, microbatches = 1, batch = 1, schedule = "zb-h1", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1

// CHECK-LABEL: pipe.schedule "zb-h1" {
// CHECK-NEXT:    pipe.program rank 0 {
// CHECK-NEXT:      pipe.forward stage 0 mb 0
// CHECK-NEXT:      pipe.send_act stage 0 mb 0 to 1
// CHECK-NEXT:      pipe.recv_grad stage 1 mb 0 from 1
// CHECK-NEXT:      pipe.backward stage 0 mb 0
// CHECK-NEXT:      pipe.weight_grad stage 0 mb 0
// CHECK-NEXT:    }
// CHECK-NEXT:    pipe.program rank 1 {
// CHECK-NEXT:      pipe.recv_act stage 0 mb 0 from 0
// CHECK-NEXT:      pipe.forward stage 1 mb 0
// CHECK-NEXT:      pipe.backward stage 1 mb 0
// CHECK-NEXT:      pipe.send_grad stage 1 mb 0 to 0
// CHECK-NEXT:      pipe.weight_grad stage 1 mb 0
// CHECK-NEXT:    }
// CHECK-NEXT:  }
pipe.schedule "zb-h1" {
  pipe.program rank 0 {
    pipe.forward stage 0 mb 0
    pipe.send_act stage 0 mb 0 to 1
    pipe.recv_grad stage 1 mb 0 from 1
    pipe.backward stage 0 mb 0
    pipe.weight_grad stage 0 mb 0
  }
  pipe.program rank 1 {
    pipe.recv_act stage 0 mb 0 from 0
    pipe.forward stage 1 mb 0
    pipe.backward stage 1 mb 0
    pipe.send_grad stage 1 mb 0 to 0
    pipe.weight_grad stage 1 mb 0
  }
}
