// The host code pipec generates around examples/geglu.cu (extern_ops_host.cpp
// of geglu-llama.pipe, compiled into this test): forward against the closed
// form gelu(a) * b (tanh approximation), backward against central finite
// differences of the generated forward, accumulation (+=), aliased gradients
// and bf16 storage.
#include "extern_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace {

pipeops::Context hostContext() { return pipeops::Context{}; }

float forwardAt(float a, float b) {
  float out = 0;
  geglu_forward_op(hostContext(), &out, &a, &b, 1);
  return out;
}

// Central differences in double around float evaluations: error O(h^2) plus
// float rounding / h; 2e-3 relative holds both for h = 1e-2 on these inputs.
constexpr double kStep = 1e-2;
double numericDa(float a, float b) {
  return (double(forwardAt(a + kStep, b)) - forwardAt(a - kStep, b)) /
         (2 * kStep);
}
double numericDb(float a, float b) {
  return (double(forwardAt(a, b + kStep)) - forwardAt(a, b - kStep)) /
         (2 * kStep);
}
void expectNear(double got, double want, const char *what, int i) {
  EXPECT_NEAR(got, want, 2e-3 * (1 + std::fabs(want))) << what << " at " << i;
}

const std::vector<float> kA = {-3.0f, -1.2f, -0.3f, 0.0f, 0.4f, 1.0f, 2.5f};
const std::vector<float> kB = {0.7f, -1.5f, 2.0f, 1.1f, -0.4f, 0.9f, -2.2f};

TEST(ExternGegluHost, ForwardIsGeluTimesB) {
  std::vector<float> out(kA.size());
  geglu_forward_op(hostContext(), out.data(), kA.data(), kB.data(),
                   int64_t(kA.size()));
  for (size_t i = 0; i < kA.size(); ++i) {
    double a = kA[i];
    double gelu =
        0.5 * a *
        (1 + std::tanh(std::sqrt(2 / M_PI) * (a + 0.044715 * a * a * a)));
    EXPECT_NEAR(out[i], gelu * kB[i], 1e-5) << i;
  }
}

TEST(ExternGegluHost, BackwardMatchesFiniteDifferencesAndAccumulates) {
  size_t n = kA.size();
  std::vector<float> dout(n), da(n, 0.25f), db(n, -0.5f);
  for (size_t i = 0; i < n; ++i)
    dout[i] = 0.3f + 0.1f * float(i);
  geglu_backward_op(hostContext(), da.data(), db.data(), dout.data(), kA.data(),
                    kB.data(), int64_t(n));
  for (size_t i = 0; i < n; ++i) {
    expectNear(da[i], 0.25 + dout[i] * numericDa(kA[i], kB[i]), "da", int(i));
    expectNear(db[i], -0.5 + dout[i] * numericDb(kA[i], kB[i]), "db", int(i));
  }
}

// geglu(x, x): both gradients land in one buffer, d/dx gelu(x) * x.
TEST(ExternGegluHost, AliasedGradientsAddUp) {
  size_t n = kA.size();
  std::vector<float> dout(n, 1.0f), dx(n, 0.0f);
  geglu_backward_op(hostContext(), dx.data(), dx.data(), dout.data(), kA.data(),
                    kA.data(), int64_t(n));
  for (size_t i = 0; i < n; ++i) {
    float x = kA[i];
    double numeric = (double(forwardAt(x + kStep, x + kStep)) -
                      forwardAt(x - kStep, x - kStep)) /
                     (2 * kStep);
    expectNear(dx[i], numeric, "dx", int(i));
  }
}

TEST(ExternGegluHost, Bf16StorageRoundsOutputs) {
  pipeops::Context ctx = hostContext();
  ctx.dtype = pipeops::DType::BF16;
  std::vector<float> out(kA.size());
  geglu_forward_op(ctx, out.data(), kA.data(), kB.data(), int64_t(kA.size()));
  for (size_t i = 0; i < kA.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &out[i], 4);
    EXPECT_EQ(bits & 0xffffu, 0u) << i;
    EXPECT_NEAR(out[i], forwardAt(kA[i], kB[i]),
                std::fabs(forwardAt(kA[i], kB[i])) / 128)
        << i;
  }
}

} // namespace
