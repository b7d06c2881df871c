// The remaining forms: mse loss, a device-profile file, sgd, synthetic data,
// and doubles that need 17 digits to round-trip (0.999 is printed as
// 0.99899999999999999, the shortest decimal that reads back to that double).
// RUN: pipe-opt %s | pipe-opt | FileCheck %s
// RUN: pipe-opt %s --mlir-print-op-generic | pipe-opt | FileCheck %s

// CHECK: pipe.model @mlp(%x: tensor<?x4xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
// CHECK-NEXT: %loss = pipe.cell "return mse(linear(x, 2), y)" {
// CHECK-NEXT:   %[[L:.*]] = pipe.linear %x out_features = 2, bias = true, param = "c0.linear" : tensor<?x4xf32> -> tensor<?x2xf32>
// CHECK-NEXT:   %[[M:.*]] = pipe.mse %[[L]], %y : tensor<?x2xf32> -> tensor<f32>
pipe.model @mlp(%x: tensor<?x4xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(linear(x, 2), y)" {
    %0 = pipe.linear %x out_features = 2, bias = true, param = "c0.linear" : tensor<?x4xf32> -> tensor<?x2xf32>
    %1 = pipe.mse %0, %y : tensor<?x2xf32> -> tensor<f32>
    pipe.yield %1 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
// CHECK: pipe.strategy ranks = 1, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "profiles/my-gpu.json", data_parallel = 1 {device_is_file}
pipe.strategy ranks = 1, virtual = 1, microbatches = 4, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "profiles/my-gpu.json", data_parallel = 1 {device_is_file}
// CHECK: pipe.train optimizer = "sgd", lr = 5.000000e-02, beta1 = 9.000000e-01, beta2 = 0.99899999999999999, eps = 1.000000e-08, weight_decay = 0.000000e+00, momentum = 5.000000e-01, steps = 10, seed = -3, log_every = 1, data = "synthetic"{{$}}
pipe.train optimizer = "sgd", lr = 0.05, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.5, steps = 10, seed = -3, log_every = 1, data = "synthetic"
