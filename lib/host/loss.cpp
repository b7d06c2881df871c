// Host losses: cross entropy over logits rows (softmax fused) and mean squared
// error.
#include "common.h"
#include "vecmath.h"

#include <cmath>
#include <string>
#include <vector>

namespace pipeops::host {

namespace {
void checkTargets(const char *op, const int32_t *targets, int64_t M,
                  int64_t V) {
  for (int64_t i = 0; i < M; ++i)
    if (targets[i] < 0 || targets[i] >= V)
      fail(op, "target " + std::to_string(targets[i]) + " at row " +
                   std::to_string(i) + " is outside [0, " + std::to_string(V) +
                   ")");
}

/// logsumexp of z[0..V): the max, then a vectorised sum of exponentials.
PIPEOPS_VECTOR_CLONES
float rowLogSumExp(const float *z, int64_t V, float *exps) {
  float mx = z[0];
  for (int64_t j = 1; j < V; ++j)
    mx = std::max(mx, z[j]);
  for (int64_t j = 0; j < V; ++j)
    exps[j] = vexp(z[j] - mx);
  float sum = 0.0f;
  for (int64_t j = 0; j < V; ++j)
    sum += exps[j];
  return mx + std::log(sum);
}

/// dz[j] += scale * (exp(z[j] - lse) - [j == target]).
PIPEOPS_VECTOR_CLONES
void rowSoftmaxGrad(float *__restrict dz, const float *__restrict z, float lse,
                    int32_t target, float scale, int64_t V) {
  for (int64_t j = 0; j < V; ++j)
    dz[j] += scale * (vexp(z[j] - lse) - (j == target ? 1.0f : 0.0f));
}
} // namespace

void cross_entropy_forward(const Context &ctx, float *loss, float *saved,
                           const void *logits, const int32_t *targets,
                           int64_t M, int64_t V) {
  checkTargets("cross_entropy_forward", targets, M, V);
  const float *z = f32(logits);
  std::vector<float> rowLoss(M);
  parallelRows(ctx, M, 8 * V, [&](int64_t r0, int64_t r1) {
    std::vector<float> exps(V);
    for (int64_t i = r0; i < r1; ++i) {
      saved[i] = rowLogSumExp(z + i * V, V, exps.data());
      rowLoss[i] = saved[i] - z[i * V + targets[i]];
    }
  });
  float total = 0.0f;
  for (int64_t i = 0; i < M; ++i)
    total += rowLoss[i];
  *loss = total / M;
}

void cross_entropy_backward_input(const Context &ctx, void *dlogits,
                                  float dloss, const void *logits,
                                  const int32_t *targets, const float *saved,
                                  int64_t M, int64_t V) {
  checkTargets("cross_entropy_backward_input", targets, M, V);
  const float *z = f32(logits);
  float *dz = f32(dlogits);
  float scale = dloss / M;
  parallelRows(ctx, M, 8 * V, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i)
      rowSoftmaxGrad(dz + i * V, z + i * V, saved[i], targets[i], scale, V);
  });
  roundStored(ctx, dz, M * V);
}

void mse_forward(const Context &, float *loss, const void *pred,
                 const void *target, int64_t n) {
  const float *p = f32(pred), *t = f32(target);
  float total = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    total += (p[i] - t[i]) * (p[i] - t[i]);
  *loss = total / n;
}

void mse_backward_input(const Context &ctx, void *dpred, float dloss,
                        const void *pred, const void *target, int64_t n) {
  const float *p = f32(pred), *t = f32(target);
  float *dp = f32(dpred);
  float scale = 2.0f * dloss / n;
  parallelRows(ctx, n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      dp[i] += scale * (p[i] - t[i]);
  });
  roundStored(ctx, dp, n);
}

} // namespace pipeops::host
