// Implementation of the finite-difference harness used by the host kernel
// tests.
#include "fd_harness.h"

#include <gtest/gtest.h>

#include <cmath>

namespace pipeops::test {

std::vector<float> Rng::normal(size_t n, float scale) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto &x : v)
    x = dist(gen);
  return v;
}

std::vector<float> Rng::uniform(size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v)
    x = dist(gen);
  return v;
}

std::vector<int32_t> Rng::ids(size_t n, int32_t below) {
  std::uniform_int_distribution<int32_t> dist(0, below - 1);
  std::vector<int32_t> v(n);
  for (auto &x : v)
    x = dist(gen);
  return v;
}

double weightedSum(const std::vector<float> &out, const std::vector<float> &r) {
  double s = 0.0;
  for (size_t i = 0; i < out.size(); ++i)
    s += static_cast<double>(out[i]) * r[i];
  return s;
}

void expectGradient(const std::string &what, std::vector<float> &x,
                    const std::vector<float> &analytic,
                    const std::function<double()> &loss, double eps,
                    double atol, double rtol) {
  ASSERT_EQ(x.size(), analytic.size()) << what;
  int failures = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    float saved = x[i];
    x[i] = static_cast<float>(saved + eps);
    double up = loss();
    x[i] = static_cast<float>(saved - eps);
    double down = loss();
    x[i] = saved;
    // The perturbation actually applied, after rounding to float.
    double h = static_cast<double>(static_cast<float>(saved + eps)) -
               static_cast<double>(static_cast<float>(saved - eps));
    double fd = (up - down) / h;
    if (std::fabs(fd - analytic[i]) > atol + rtol * std::fabs(fd) &&
        ++failures <= 5)
      ADD_FAILURE() << what << "[" << i << "]: finite difference " << fd
                    << ", analytic " << analytic[i];
  }
  EXPECT_EQ(failures, 0) << what << ": " << failures << " of " << x.size()
                         << " elements differ";
}

std::vector<float> minus(const std::vector<float> &after,
                         const std::vector<float> &before) {
  std::vector<float> d(after.size());
  for (size_t i = 0; i < after.size(); ++i)
    d[i] = after[i] - before[i];
  return d;
}

Context hostContext(int threads) {
  Context ctx;
  ctx.backend = Backend::Host;
  ctx.threads = threads;
  return ctx;
}

} // namespace pipeops::test
