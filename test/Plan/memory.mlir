// pipe-partition's memory model with the schedule's real in-flight counts,
// on a 3.75 GiB device (Inputs/gib-device.json: 4026531840 bytes, f32 kept
// in f32). Times come from Inputs/four-equal.json: every cell t = 1 (0.25 +
// 0.5 + 0.25), so without memory limits [0, 2, 4] (bottleneck 2) is optimal.
// RUN: cd %S && pipe-opt %s -split-input-file -verify-diagnostics --pipe-partition=profile=Inputs/four-equal.json | FileCheck %s
//
// Bytes by hand, batch = 8192 rows of 8192 f32 (one row tensor = 8192 * 8192
// * 4 = 2^28 B = 0.25 GiB):
//   relu-linear cell: weight 8192 x 8192 = 2^26 params x 16 B (f32 working
//     copy 4 + f32 gradient 4 + AdamW moments 8; no pipe.train = AdamW)
//     = 1 GiB state; keeps the linear's input and the relu's input: 0.5 GiB.
//   mse cell: no state; keeps pred and target: 0.5 GiB.
//   Every cut carries one row tensor: 0.25 GiB.
// Rank need = sum of (state + inFlight * kept) (+ recompute transient).

// 1f1b, 2 ranks, 4 micro-batches: in flight 2 on rank 0, 1 on rank 1.
//   [2|2]: rank 0 = 2 + 2 * 1.0 = 4.0 GiB > 3.75: does not fit.
//   [1|3]: rank 0 = 1 + 2 * 0.5 = 2.0, rank 1 = 2 + 1 * 1.5 = 3.5: fits (t 3).
//   [3|1]: rank 0 = 3 + 2 * 1.5 = 6.0: does not fit.
// So the optimum under memory is [0, 1, 4].
// CHECK-LABEL: pipe.model @mlp
// CHECK: pipe.stage @s0 rank 0 {
// CHECK-COUNT-1: pipe.cell "
// CHECK-NOT: pipe.cell "
// CHECK: pipe.stage @s1 rank 1 ins(
// CHECK-COUNT-3: pipe.cell "
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

// gpipe keeps all 4 micro-batches in flight on both ranks:
//   [1|3]: rank 1 = 2 + 4 * 1.5 = 8.0 GiB;  [2|2]: rank 0 = 2 + 4 * 1.0 = 6.0,
//   rank 1 = 1 + 4 * 1.0 = 5.0;  [3|1]: rank 0 = 3 + 4 * 1.5 = 9.0.
// Nothing fits (the 1F1B bound would have accepted [1|3]); the split that
// balances memory best is [2|2], whose fullest rank is 0 with 6.0 GiB.
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
// expected-error @+1 {{rank 0 needs 6.0 GiB but the device has 3.8 GiB (no split of the cells fits; the split that balances memory best); use more ranks, set recompute = true, or a smaller batch}}
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 8192, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "Inputs/gib-device.json", data_parallel = 1 {device_is_file}
}

// -----

// gpipe with recompute: a stage keeps only its input per micro-batch and
// rebuilds its activations one micro-batch at a time (transient).
//   [2|2]: rank 0 = 2 + 4 * 0 (model inputs come from the loader) + 1.0
//          = 3.0; rank 1 = 1 + 4 * 0.25 + 1.0 = 3.0: fits, and with every cell
//   at t = 1 + fwd 0.25 it is still the time optimum (2.5).
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
