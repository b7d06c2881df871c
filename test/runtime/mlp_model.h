// A hand-written 4-stage MLP against the pipert contract (what pipec would
// generate), with hand-built programs for several schedules, used by the
// runtime tests.
#pragma once

#include "pipert/spec.h"

#include <string>
#include <vector>

namespace pipert::test {

/// Model: x f32[batch, 4], y f32[batch, 2];
///   h0 = linear(x, 8); h1 = linear(relu(h0), 8); h2 = linear(relu(h1), 8);
///   p = linear(relu(h2), 2); loss = mse(p, y)
/// Stage s holds cell s (one linear each, stage 3 also the loss); params
/// "l<s>.weight", "l<s>.bias" (Normal std 0.5 / Zeros... see mlp_model.cpp).
constexpr int kIn = 4, kHidden = 8, kOut = 2, kStages = 4;
inline int layerIn(int s) { return s == 0 ? kIn : kHidden; }
inline int layerOut(int s) { return s == kStages - 1 ? kOut : kHidden; }

enum class Order { GPipe, OneFOneB, MbMajor, ZeroBubbleW };

struct Strategy {
  std::vector<int> stageRank; ///< rank of each of the 4 stages
  int microbatches = 4, batch = 2, dataParallel = 1;
  Order order = Order::OneFOneB;
  int slots = 0; ///< 0: microbatches (enough for any order)
};

/// Builds the full spec: buffer plan, stage functions, programs with their comm
/// groups.
ModelSpec makeMlpSpec(const Strategy &strategy);

/// Runs runMain(spec, args) and returns its exit status.
int runWithArgs(const ModelSpec &spec, std::vector<std::string> args);

} // namespace pipert::test
