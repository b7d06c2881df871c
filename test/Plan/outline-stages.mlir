// pipe-partition's outlining on a model with a skip connection (c = a + b):
// uniform over 4 ranks puts one cell in each stage. By hand: `a` crosses
// cut 1 (used by cells 1 and 2), `a` and `b` cross cut 2 (both used by
// cell 2; definition order: a, then b), `c` crosses cut 3, and the last
// stage yields the loss. So @s1 passes its argument `a` through, yielding it
// before its own `b`. Partitioning again (the second RUN) inlines the stages
// first and gives the same stages.
// RUN: pipe-opt %s --pipe-partition | FileCheck %s
// RUN: pipe-opt %s --pipe-partition --pipe-partition | FileCheck %s

// CHECK-LABEL: pipe.model @skip
// CHECK:       %[[A:.*]] = pipe.stage @s0 rank 0 {
// CHECK:         %[[A0:.*]] = pipe.cell "a = relu(x)"
// CHECK:         pipe.yield %[[A0]] : tensor<?x4xf32>
// CHECK-NEXT:  } : tensor<?x4xf32>
// CHECK-NEXT:  %[[A1:.*]], %[[B:.*]] = pipe.stage @s1 rank 1 ins(%[[A]] : tensor<?x4xf32>) {
// CHECK-NEXT:  ^bb0(%[[AIN:.*]]: tensor<?x4xf32>):
// CHECK-NEXT:    %[[B0:.*]] = pipe.cell "b = relu(a)"
// CHECK-NEXT:      pipe.relu %[[AIN]]
// CHECK:         pipe.yield %[[AIN]], %[[B0]] : tensor<?x4xf32>, tensor<?x4xf32>
// CHECK-NEXT:  } : tensor<?x4xf32>, tensor<?x4xf32>
// CHECK-NEXT:  %[[C:.*]] = pipe.stage @s2 rank 2 ins(%[[A1]], %[[B]] : tensor<?x4xf32>, tensor<?x4xf32>) {
// CHECK-NEXT:  ^bb0(%[[A2:.*]]: tensor<?x4xf32>, %[[B2:.*]]: tensor<?x4xf32>):
// CHECK-NEXT:    %[[C0:.*]] = pipe.cell "c = a + b"
// CHECK-NEXT:      pipe.add %[[A2]], %[[B2]]
// CHECK:         pipe.yield %[[C0]] : tensor<?x4xf32>
// CHECK:       %[[L:.*]] = pipe.stage @s3 rank 3 ins(%[[C]] : tensor<?x4xf32>) {
// CHECK-NEXT:  ^bb0(%[[CIN:.*]]: tensor<?x4xf32>):
// CHECK-NEXT:    %[[L0:.*]] = pipe.cell "return mse(c, y)"
// CHECK-NEXT:      pipe.mse %[[CIN]], %y
// CHECK:         pipe.yield %[[L0]] : tensor<f32>
// CHECK-NEXT:  } : tensor<f32>
// CHECK-NEXT:  pipe.return %[[L]] : tensor<f32>
// CHECK-NOT:   pipe.stage
pipe.model @skip(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.cell "a = relu(x)" {
    %0 = pipe.relu %x : tensor<?x4xf32>
    pipe.yield %0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %b = pipe.cell "b = relu(a)" {
    %0 = pipe.relu %a : tensor<?x4xf32>
    pipe.yield %0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %c = pipe.cell "c = a + b" {
    %0 = pipe.add %a, %b : tensor<?x4xf32>
    pipe.yield %0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.cell "return mse(c, y)" {
    %0 = pipe.mse %c, %y : tensor<?x4xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
pipe.strategy ranks = 4, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "uniform", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
