// GPU-only runtime tests (check-runtime-gpu, never run by CI): four ranks
// sharing one GPU through the device-copy transport agree with the host
// backend, a one-rank NCCL communicator moves a grouped send/recv and an
// all-reduce, and the device memory NCCL takes is counted in the rank's peak.
#include "device_cuda.h"
#include "test_util.h"
#include "transport_cuda.h"

#include <gtest/gtest.h>

#include <cuda_runtime.h>

namespace pipert::test {
namespace {

TEST(Gpu, RanksSharingOneGpuMatchTheHostBackend) {
  Strategy s;
  s.stageRank = {0, 1, 2, 3};
  s.order = Order::OneFOneB;
  ModelSpec spec = makeMlpSpec(s);
  TrainResult host = train(spec);
  Options o;
  o.backend = BackendChoice::Cuda;
  o.timeoutSeconds = 30;
  FILE *null = std::fopen("/dev/null", "w");
  TrainResult gpu = runTraining(spec, o, null);
  std::fclose(null);
  ASSERT_EQ(gpu.losses.size(), host.losses.size());
  for (size_t i = 0; i < host.losses.size();
       ++i) // GPU GEMMs sum in another order
    EXPECT_NEAR(gpu.losses[i], host.losses[i], 1e-4 * host.losses[i])
        << "step " << i + 1;
}

size_t freeDeviceBytes() {
  size_t free = 0, total = 0;
  EXPECT_EQ(cudaMemGetInfo(&free, &total), cudaSuccess);
  return free;
}

TEST(Gpu, MeteredCallsCountTheMostDeviceMemoryTheyHeld) {
  CudaDevice device(0, 0);
  EXPECT_EQ(device.reservedBytes(), CudaDevice::kWorkspaceBytes);
  constexpr size_t kBytes = size_t(64) << 20;
  void *p = nullptr;
  device.metered([&] { ASSERT_EQ(cudaMalloc(&p, kBytes), cudaSuccess); });
  size_t held = device.reservedBytes() - CudaDevice::kWorkspaceBytes;
  EXPECT_GE(held, kBytes);
  EXPECT_LE(held, kBytes + (size_t(2) << 20)); // the allocation granularity
  device.metered([&] { ASSERT_EQ(cudaFree(p), cudaSuccess); });
  EXPECT_EQ(device.reservedBytes() - CudaDevice::kWorkspaceBytes, held);
}

TEST(Gpu, OneRankNcclCommunicatorSendsToItselfAndReduces) {
  CudaDevice device(0, 0);
  std::vector<float> host = {1, 2, 3, 4}, back(4, 0);
  auto *src = static_cast<float *>(device.allocate(16));
  auto *dst = static_cast<float *>(device.allocate(16));
  device.upload(src, host.data(), 16);
  device.synchronize();
  size_t before = freeDeviceBytes();
  ncclComm_t world, replicas;
  int devs[1] = {0};
  device.metered([&] {
    ASSERT_EQ(ncclCommInitAll(&world, 1, devs), ncclSuccess);
    ASSERT_EQ(ncclCommSplit(world, 0, 0, &replicas, nullptr), ncclSuccess);
  });
  auto transport = makeNcclTransport(device, world, replicas, 1, 0, 30);
  // A send to rank 0 (stage 0's output) and the matching receive, in one
  // group, twice: the second is not metered.
  for (int i = 0; i < 2; ++i) {
    transport->exchange({{true, Direction::Act, 0, 0, 0, src, 16},
                         {false, Direction::Act, 0, 1, 0, dst, 16}});
    transport->allReduceSum(dst, 4); // one replica: the sum is the value itself
  }
  device.download(back.data(), dst, 16);
  EXPECT_EQ(back, host);
  // Whatever NCCL took from the first call to the last was seen by a metered
  // call, so the rank's peak counts it; the transport's stream and events are
  // not metered, and may take one page of the allocation granularity.
  double counted = double(device.reservedBytes() - CudaDevice::kWorkspaceBytes);
  EXPECT_NEAR(counted, double(before - freeDeviceBytes()), double(2 << 20));
  device.release(src);
  device.release(dst);
}

} // namespace
} // namespace pipert::test
