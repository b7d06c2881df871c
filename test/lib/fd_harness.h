// Finite-difference harness for the host kernels: a scalar loss sum(out * r)
// evaluated in double, central differences per element, and random tensors with
// a fixed seed.
#pragma once

#include "pipeops/ops.h"

#include <functional>
#include <random>
#include <string>
#include <vector>

namespace pipeops::test {

/// Deterministic random tensors.
struct Rng {
  std::mt19937 gen;
  explicit Rng(unsigned seed) : gen(seed) {}
  std::vector<float> normal(size_t n, float scale = 1.0f);
  std::vector<float> uniform(size_t n, float lo, float hi);
  std::vector<int32_t> ids(size_t n, int32_t below);
};

/// sum_i out[i] * r[i] in double.
double weightedSum(const std::vector<float> &out, const std::vector<float> &r);

/// Perturbs each element of x by +-eps, evaluates loss() and expects the
/// central difference to match analytic[i] within atol + rtol * |fd|. x is
/// restored afterwards.
void expectGradient(const std::string &what, std::vector<float> &x,
                    const std::vector<float> &analytic,
                    const std::function<double()> &loss, double eps = 1e-2,
                    double atol = 2e-3, double rtol = 1e-2);

/// analytic gradient = after - before (backward ops accumulate into pre-filled
/// buffers).
std::vector<float> minus(const std::vector<float> &after,
                         const std::vector<float> &before);

Context hostContext(int threads = 1);

} // namespace pipeops::test
