// pipe-auto-schedule reports what is wrong with the device profile itself,
// not that none of its candidates fits.
// RUN: cd %S && not pipe-opt %s --pipe-auto-schedule 2>&1 | FileCheck %s
// CHECK: bad-device.mlir:[[@LINE+14]]:3: error: device profile '../Plan/Inputs/no-bandwidth-device.json': field 'memory_bandwidth_gbps' is missing{{$}}
// CHECK-NOT: error
module {
  pipe.model @chain(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
    %h = pipe.cell "h = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %loss = pipe.cell "return mse(h, y)" {
      %0 = pipe.mse %h, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
  }
  pipe.strategy ranks = 2, virtual = 1, microbatches = 4, batch = 1, schedule = "auto", partition = "balanced", recompute = false, precision = "f32", device = "../Plan/Inputs/no-bandwidth-device.json", data_parallel = 1 {device_is_file}
}
