// The actions' written form beyond the plain step: an action may carry
// attributes of its own, printed as a dictionary after the indices (keys
// sorted, a unit attribute by its name alone) and read back (also through the generic form, where they sit beside stage,
// mb and peer); the indices print as plain integers up to the i32 limit.
// RUN: pipe-opt %s | pipe-opt | FileCheck %s
// RUN: pipe-opt %s --mlir-print-op-generic | pipe-opt | FileCheck %s
// RUN: pipe-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

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

// CHECK-LABEL: pipe.schedule "zb-h1" for @chain {
// CHECK-NEXT:    pipe.program rank 0 {
// CHECK-NEXT:      pipe.forward @s0 mb 2147483647 {note = "last"}
// CHECK-NEXT:      pipe.send_act @s0 mb 7 to 1 {a = 1 : i64, z}
// CHECK-NEXT:      pipe.recv_grad @s0 mb 7 from 1
// CHECK-NEXT:      pipe.backward @s0 mb 7 {note = "b"}
// CHECK-NEXT:    }
// CHECK-NEXT:    pipe.program rank 1 {
// CHECK-NEXT:      pipe.recv_act @s1 mb 7 from 0 {note = "r"}
// CHECK-NEXT:      pipe.weight_grad @s1 mb 0 {note = "w"}
// CHECK-NEXT:      pipe.send_grad @s1 mb 7 to 0 {note = "s"}
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// GENERIC: "pipe.forward"() <{mb = 2147483647 : i32, stage = @s0}> {note = "last"}
// GENERIC: "pipe.send_act"() <{mb = 7 : i32, peer = 1 : i32, stage = @s0}> {a = 1 : i64, z}
pipe.schedule "zb-h1" for @chain {
  pipe.program rank 0 {
    pipe.forward @s0 mb 2147483647 {note = "last"}
    pipe.send_act @s0 mb 7 to 1 {z, a = 1}
    pipe.recv_grad @s0 mb 7 from 1
    pipe.backward @s0 mb 7 {note = "b"}
  }
  pipe.program rank 1 {
    pipe.recv_act @s1 mb 7 from 0 {note = "r"}
    pipe.weight_grad @s1 mb 0 {note = "w"}
    pipe.send_grad @s1 mb 7 to 0 {note = "s"}
  }
}
