// The dispatching front: a Cuda context without a CUDA build is a clear error,
// never UB.
#include "fd_harness.h"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace pipeops;

TEST(Dispatch, CudaContextWithoutCudaIsAnError) {
  if (cuda_available())
    GTEST_SKIP() << "this build has the CUDA backend";
  Context ctx;
  ctx.backend = Backend::Cuda;
  float a = 1, b = 2, out = 0;
  EXPECT_THROW(add_forward(ctx, &out, &a, &b, 1), std::runtime_error);
  EXPECT_EQ(out, 0.0f);
}

TEST(Dispatch, StorageBytes) {
  Context ctx;
  ctx.dtype = DType::BF16;
  EXPECT_EQ(storage_bytes(ctx), 4u); // the host stores f32 whatever the dtype
  ctx.backend = Backend::Cuda;
  EXPECT_EQ(storage_bytes(ctx), 2u);
}
