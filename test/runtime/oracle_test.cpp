// One training step through the runtime against an oracle computed here without
// it: the MLP's forward and backward by hand in double precision over the
// step's global batch, then SGD and AdamW written out from their textbook
// definitions.
#include "data.h"
#include "init.h"
#include "test_util.h"

#include <cmath>
#include <gtest/gtest.h>
#include <map>

namespace pipert::test {
namespace {

using Tensor = std::vector<double>;

struct Oracle {
  double loss = 0;
  std::map<std::string, Tensor> params, grads;
};

// Mean squared error over the G samples of step 0 (each micro-batch's mean,
// averaged, equals the mean over all samples because micro-batches are
// equal-sized).
Oracle oracleStep(const ModelSpec &spec) {
  Oracle o;
  for (const ParamSpec &p : spec.params) {
    std::vector<float> v(p.elements);
    initParam(spec.train.seed, p, v.data());
    o.params[p.name] = Tensor(v.begin(), v.end());
    o.grads[p.name] = Tensor(p.elements, 0.0);
  }
  DataSource data(spec);
  int G = spec.microbatches * spec.batch * spec.dataParallel;
  std::vector<float> xs(G * kIn), ys(G * kOut);
  data.fill(0, 0, G, xs.data());
  data.fill(1, 0, G, ys.data());
  for (int g = 0; g < G; ++g) {
    // Forward: a[s] is the input of layer s (after relu for s > 0), z[s] its
    // output.
    std::vector<Tensor> a(kStages), z(kStages);
    a[0] = Tensor(xs.begin() + g * kIn, xs.begin() + (g + 1) * kIn);
    for (int s = 0; s < kStages; ++s) {
      if (s > 0) {
        a[s] = z[s - 1];
        for (double &v : a[s])
          v = std::max(v, 0.0);
      }
      const Tensor &W = o.params["l" + std::to_string(s) + ".weight"];
      const Tensor &b = o.params["l" + std::to_string(s) + ".bias"];
      int K = layerIn(s), N = layerOut(s);
      z[s].assign(N, 0.0);
      for (int n = 0; n < N; ++n) {
        z[s][n] = b[n];
        for (int k = 0; k < K; ++k)
          z[s][n] += a[s][k] * W[k * N + n];
      }
    }
    // Loss = (1/(G*kOut)) * sum (p - y)^2; its gradient per element 2 (p - y) /
    // (G * kOut).
    Tensor dz(kOut);
    for (int n = 0; n < kOut; ++n) {
      double diff = z[kStages - 1][n] - ys[g * kOut + n];
      o.loss += diff * diff / (G * kOut);
      dz[n] = 2 * diff / (G * kOut);
    }
    for (int s = kStages - 1; s >= 0; --s) {
      int K = layerIn(s), N = layerOut(s);
      Tensor &dW = o.grads["l" + std::to_string(s) + ".weight"];
      Tensor &db = o.grads["l" + std::to_string(s) + ".bias"];
      const Tensor &W = o.params["l" + std::to_string(s) + ".weight"];
      Tensor da(K, 0.0);
      for (int n = 0; n < N; ++n) {
        db[n] += dz[n];
        for (int k = 0; k < K; ++k) {
          dW[k * N + n] += a[s][k] * dz[n];
          da[k] += W[k * N + n] * dz[n];
        }
      }
      if (s > 0) { // through the relu: z[s-1] > 0
        dz.assign(K, 0.0);
        for (int k = 0; k < K; ++k)
          dz[k] = z[s - 1][k] > 0 ? da[k] : 0.0;
      }
    }
  }
  return o;
}

const CheckpointTensor &tensor(const Checkpoint &c, const std::string &name) {
  for (const CheckpointTensor &t : c.tensors)
    if (t.name == name)
      return t;
  throw std::runtime_error("no tensor " + name);
}

ModelSpec oneStepSpec(std::vector<int> stageRank, int M, int B, int D) {
  Strategy s;
  s.stageRank = std::move(stageRank);
  s.order = Order::OneFOneB;
  s.microbatches = M;
  s.batch = B;
  s.dataParallel = D;
  ModelSpec spec = makeMlpSpec(s);
  spec.train.steps = 1;
  return spec;
}

void checkSgd(ModelSpec spec) {
  spec.optimizer.kind = OptimizerKind::SGD;
  spec.optimizer.lr = 0.5f;
  spec.optimizer.momentum = 0.9f; // first step: velocity = g, p -= lr * g
  Oracle o = oracleStep(spec);
  TrainResult r = train(spec);
  ASSERT_EQ(r.losses.size(), 1u);
  EXPECT_NEAR(r.losses[0], o.loss, 1e-5 * o.loss);
  for (const ParamSpec &p : spec.params) {
    const CheckpointTensor &t = tensor(r.final, p.name);
    for (int64_t i = 0; i < p.elements; ++i) {
      double want = o.params[p.name][i] - 0.5 * o.grads[p.name][i];
      EXPECT_NEAR(t.param[i], want, 1e-5 * (1 + std::abs(want)))
          << p.name << "[" << i << "]";
      EXPECT_NEAR(t.m[i], o.grads[p.name][i],
                  1e-5 * (1 + std::abs(o.grads[p.name][i])));
    }
  }
}

TEST(Oracle, SgdStepOnFourRanksMatchesHandBackprop) {
  checkSgd(oneStepSpec({0, 1, 2, 3}, 4, 2, 1));
}

TEST(Oracle, SgdStepWithTwoReplicasMatchesHandBackprop) {
  checkSgd(oneStepSpec({0, 0, 1, 1}, 2, 2, 2));
}

TEST(Oracle, AdamWStepMatchesTextbookUpdate) {
  ModelSpec spec = oneStepSpec({0, 1, 2, 3}, 4, 2, 1);
  spec.optimizer = {
      OptimizerKind::AdamW, 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.0f};
  Oracle o = oracleStep(spec);
  TrainResult r = train(spec);
  for (const ParamSpec &p : spec.params) {
    const CheckpointTensor &t = tensor(r.final, p.name);
    for (int64_t i = 0; i < p.elements; ++i) {
      double g = o.grads[p.name][i], p0 = o.params[p.name][i];
      double m = 0.1 * g, v = 0.001 * g * g; // moments after one step
      double mhat = m / (1 - 0.9),
             vhat = v / (1 - 0.999); // bias correction, step 1
      double want =
          p0 - 0.01 * 0.1 * p0 - 0.01 * mhat / (std::sqrt(vhat) + 1e-8);
      EXPECT_NEAR(t.param[i], want, 2e-5)
          << p.name << "[" << i << "] grad " << g;
      EXPECT_NEAR(t.m[i], m, 1e-6);
      EXPECT_NEAR(t.v[i], v, 1e-7);
    }
  }
}

// clip_grad: the hand-computed gradient's global L2 norm over every
// parameter, and SGD's step taken with the gradient scaled by C / (norm +
// 1e-6), as torch.nn.utils.clip_grad_norm_ scales it.
void checkClippedSgd(ModelSpec spec, double fraction) {
  spec.optimizer.kind = OptimizerKind::SGD;
  spec.optimizer.lr = 0.5f;
  spec.optimizer.momentum = 0;
  Oracle o = oracleStep(spec);
  double sq = 0;
  for (const auto &[name, g] : o.grads)
    for (double x : g)
      sq += x * x;
  double norm = std::sqrt(sq);
  spec.train.clipGrad = static_cast<float>(fraction * norm);
  double coef = std::min(1.0, spec.train.clipGrad / (norm + 1e-6));
  TrainResult r = train(spec);
  ASSERT_EQ(r.norms.size(), 1u);
  EXPECT_NEAR(r.norms[0], norm, 1e-5 * norm);
  for (const ParamSpec &p : spec.params) {
    const CheckpointTensor &t = tensor(r.final, p.name);
    for (int64_t i = 0; i < p.elements; ++i) {
      double want = o.params[p.name][i] - 0.5 * coef * o.grads[p.name][i];
      EXPECT_NEAR(t.param[i], want, 1e-5 * (1 + std::abs(want)))
          << p.name << "[" << i << "]";
    }
  }
}

TEST(Oracle, ClippedSgdStepOnFourRanksScalesByTheGlobalNorm) {
  checkClippedSgd(oneStepSpec({0, 1, 2, 3}, 4, 2, 1), 0.1);
}

TEST(Oracle, ClippedSgdStepWithTwoReplicasCountsEachParameterOnce) {
  checkClippedSgd(oneStepSpec({0, 0, 1, 1}, 2, 2, 2), 0.1);
}

TEST(Oracle, ClipAboveTheNormLeavesTheStepAlone) {
  checkClippedSgd(oneStepSpec({0, 0, 1, 1}, 4, 2, 1), 2.0);
}

TEST(Init, ValuesDependOnlyOnSeedAndName) {
  ParamSpec a{"c3.linear1.weight", 20000, Init::Normal, 0.02f, 1};
  ParamSpec b = a;
  b.stage = 5; // another strategy puts it elsewhere
  std::vector<float> va(a.elements), vb(b.elements), vc(a.elements);
  initParam(1, a, va.data());
  initParam(1, b, vb.data());
  EXPECT_EQ(va, vb);
  ParamSpec c = a;
  c.name = "c3.linear2.weight";
  initParam(1, c, vc.data());
  EXPECT_NE(va, vc);
  // Sample moments of 20000 N(0, 0.02^2) draws: mean within 4 standard errors,
  // std within 3%.
  double sum = 0, sq = 0;
  for (float v : va) {
    sum += v;
    sq += double(v) * v;
  }
  double mean = sum / a.elements, sd = std::sqrt(sq / a.elements - mean * mean);
  EXPECT_NEAR(mean, 0.0, 4 * 0.02 / std::sqrt(20000.0));
  EXPECT_NEAR(sd, 0.02, 0.03 * 0.02);
  ParamSpec ones{"ln.scale", 3, Init::Ones, 0, 0};
  std::vector<float> vo(3);
  initParam(1, ones, vo.data());
  EXPECT_EQ(vo, std::vector<float>({1, 1, 1}));
}

} // namespace
} // namespace pipert::test
