// pipe-partition's memory model (what the generated program allocates) with
// the schedule's slot counts, on an 11 GiB device (Inputs/gib-device.json:
// 11811160064 bytes = 44 T below). Times come from Inputs/four-equal.json:
// every cell t = 1 (0.25 + 0.5 + 0.25), so without memory limits [0, 2, 4]
// (bottleneck 2) is optimal.
// RUN: cd %S && pipe-opt %s -split-input-file -verify-diagnostics --pipe-partition=profile=Inputs/four-equal.json | FileCheck %s
//
// Bytes by hand, batch = 8192 rows of 8192 f32: one row tensor T = 8192 *
// 8192 * 4 = 2^28 B = 0.25 GiB. Every buffer is 4 bytes an element.
//   relu-linear cell: weight 8192 x 8192 = 2^26 floats x 16 B (f32 master 4
//     + f32 gradient 4 + AdamW moments 8; no pipe.train = AdamW) = 1 GiB =
//     4 T of state.
//   A stage's slot: its input boundary twice (act in, grad out), its output
//     boundary twice (act out, grad in), each linear and relu result's
//     activation and gradient (2 T each, the output boundary's counted
//     there), the gradient of a float model input it reads (x in cell 0, y
//     in the mse cell: T each), and the 4-byte loss (64 B aligned).
//     [0,1) 5 T, [0,2) 9 T, [0,3) 13 T, [1,4) 11 T, [2,4) 7 T, [3,4) 3 T
//     (+ 64 B for the stages with the loss).
//   Every rank also holds the inputs of all 4 micro-batches (x and y: 8 T)
//   and the losses (256 B); each allocation rounds up to 256 B (below a
//   GiB's tenth, left out of the sums).
// Rank need = base 8 T + sum of (state + slots * slot) (+ the largest
// scratch under recompute).

// 1f1b, 2 ranks, 4 micro-batches: 2 slots on each rank (rank 1 receives its
// next micro-batch in the group that sends the previous gradient back).
//   [1|3]: rank 1 = 8 + 8 + 2 * 11 = 38 T;  [2|2]: rank 0 = 8 + 8 + 2 * 9 =
//   34 T, rank 1 = 8 + 4 + 2 * 7 = 26 T;  [3|1]: rank 0 = 8 + 12 + 2 * 13 =
//   46 T. [2|2] fits (34 <= 44) and is the time optimum.
// CHECK-LABEL: pipe.model @mlp
// CHECK: pipe.stage @s0 rank 0 {
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s1 rank 1 ins(
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.return
// CHECK: pipe.strategy{{.*}}schedule = "1f1b"
module {
  pipe.model @mlp(%x: tensor<?x8192xf32>, %y: tensor<?x8192xf32>) -> tensor<f32> {
    %h0 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %x out_features = 8192, bias = false, param = "c0" : tensor<?x8192xf32> -> tensor<?x8192xf32>
      %1 = pipe.relu %0 : tensor<?x8192xf32>
      pipe.yield %1 : tensor<?x8192xf32>
    } : tensor<?x8192xf32>
    %h1 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h0 out_features = 8192, bias = false, param = "c1" : tensor<?x8192xf32> -> tensor<?x8192xf32>
      %1 = pipe.relu %0 : tensor<?x8192xf32>
      pipe.yield %1 : tensor<?x8192xf32>
    } : tensor<?x8192xf32>
    %h2 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h1 out_features = 8192, bias = false, param = "c2" : tensor<?x8192xf32> -> tensor<?x8192xf32>
      %1 = pipe.relu %0 : tensor<?x8192xf32>
      pipe.yield %1 : tensor<?x8192xf32>
    } : tensor<?x8192xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h2, %y : tensor<?x8192xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 8192, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "Inputs/gib-device.json", data_parallel = 1 {device_is_file}
}

// -----

// gpipe keeps all 4 micro-batches, 4 slots on both ranks:
//   [1|3]: rank 1 = 8 + 8 + 4 * 11 = 60 T;  [2|2]: rank 0 = 8 + 8 + 4 * 9 =
//   52 T, rank 1 = 8 + 4 + 4 * 7 = 40 T;  [3|1]: rank 0 = 8 + 12 + 4 * 13 =
//   72 T. Nothing fits (1f1b's slots would have accepted [2|2]); the split
//   that balances memory best is [2|2], whose fullest rank is 0 with 52 T =
//   13.0 GiB.
module {
  pipe.model @mlp(%x: tensor<?x8192xf32>, %y: tensor<?x8192xf32>) -> tensor<f32> {
    %h0 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %x out_features = 8192, bias = false, param = "c0" : tensor<?x8192xf32> -> tensor<?x8192xf32>
      %1 = pipe.relu %0 : tensor<?x8192xf32>
      pipe.yield %1 : tensor<?x8192xf32>
    } : tensor<?x8192xf32>
    %h1 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h0 out_features = 8192, bias = false, param = "c1" : tensor<?x8192xf32> -> tensor<?x8192xf32>
      %1 = pipe.relu %0 : tensor<?x8192xf32>
      pipe.yield %1 : tensor<?x8192xf32>
    } : tensor<?x8192xf32>
    %h2 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h1 out_features = 8192, bias = false, param = "c2" : tensor<?x8192xf32> -> tensor<?x8192xf32>
      %1 = pipe.relu %0 : tensor<?x8192xf32>
      pipe.yield %1 : tensor<?x8192xf32>
    } : tensor<?x8192xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h2, %y : tensor<?x8192xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
// expected-error @+1 {{rank 0 needs 13.0 GiB but the device has 11.0 GiB (no split of the cells fits; the split that balances memory best); use more ranks, set recompute = true, or a smaller batch}}
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 8192, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "Inputs/gib-device.json", data_parallel = 1 {device_is_file}
}

// -----

// gpipe with recompute: activations go to the stage's scratch (rebuilt one
// micro-batch at a time in backward); the slot keeps boundaries, gradients
// and the loss. Slot = in 2 T + out 2 T + each relu-linear cell's 2 T of
// gradients - T for the output boundary's (its grad-in buffer) + the input
// gradients; scratch = each cell's 2 T of activations - T for the output
// boundary (it stays in act out).
//   [2|2]: stage 0 slot 2 + 4 - 1 + 1 = 6 T, scratch 3 T: rank 0 = 8 + 8 +
//          4 * 6 + 3 = 43 T; stage 1 slot 2 + 2 + 1 = 5 T, scratch 2 T:
//          rank 1 = 8 + 4 + 4 * 5 + 2 = 34 T. Fits (<= 44), the time optimum.
//   [1|3]: rank 1 = 8 + 8 + 4 * (2 + 4 + 1) + 4 = 48 T does not.
// CHECK-LABEL: pipe.model @mlp
// CHECK: pipe.stage @s0 rank 0 {
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s1 rank 1 ins(
// CHECK-COUNT-2: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.return
// CHECK: pipe.strategy{{.*}}schedule = "gpipe"{{.*}}recompute = true
module {
  pipe.model @mlp(%x: tensor<?x8192xf32>, %y: tensor<?x8192xf32>) -> tensor<f32> {
    %h0 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %x out_features = 8192, bias = false, param = "c0" : tensor<?x8192xf32> -> tensor<?x8192xf32>
      %1 = pipe.relu %0 : tensor<?x8192xf32>
      pipe.yield %1 : tensor<?x8192xf32>
    } : tensor<?x8192xf32>
    %h1 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h0 out_features = 8192, bias = false, param = "c1" : tensor<?x8192xf32> -> tensor<?x8192xf32>
      %1 = pipe.relu %0 : tensor<?x8192xf32>
      pipe.yield %1 : tensor<?x8192xf32>
    } : tensor<?x8192xf32>
    %h2 = pipe.cell "h = relu(...)" {
      %0 = pipe.linear %h1 out_features = 8192, bias = false, param = "c2" : tensor<?x8192xf32> -> tensor<?x8192xf32>
      %1 = pipe.relu %0 : tensor<?x8192xf32>
      pipe.yield %1 : tensor<?x8192xf32>
    } : tensor<?x8192xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h2, %y : tensor<?x8192xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 8192, schedule = "gpipe", partition = "balanced", recompute = true, precision = "f32", device = "Inputs/gib-device.json", data_parallel = 1 {device_is_file}
}
