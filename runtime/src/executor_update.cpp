// The update half of a step: the tied tables' gradient sum, gradient
// clipping over every worker, and the optimizer step.
#include "executor.h"

#include <algorithm>
#include <cmath>

namespace pipert {

void StageRunner::optimizerStep(int64_t optStep, float lr) {
  std::vector<float *> params, m, v;
  std::vector<const float *> grads;
  std::vector<int64_t> sizes;
  for (size_t k = 0; k < spec_.params.size(); ++k)
    if (paramOffset_[k] >= 0) {
      params.push_back(master_ + paramOffset_[k]);
      grads.push_back(grads_ + paramOffset_[k]);
      m.push_back(m_ ? m_ + paramOffset_[k] : nullptr);
      v.push_back(v_ ? v_ + paramOffset_[k] : nullptr);
      sizes.push_back(spec_.params[k].elements);
    }
  if (params.empty())
    return;
  const OptimizerSpec &o = spec_.optimizer;
  int count = static_cast<int>(params.size());
  if (o.kind == OptimizerKind::AdamW) {
    pipeops::AdamW adam{lr, o.beta1, o.beta2, o.eps, o.weightDecay};
    pipeops::adamw_step(ctx_, adam, static_cast<int>(optStep), params.data(),
                        grads.data(), m.data(), v.data(), sizes.data(), count);
  } else {
    pipeops::sgd_step(ctx_, lr, o.momentum, params.data(), grads.data(),
                      m_ ? m.data() : nullptr, sizes.data(), count);
  }
  if (working_ != master_) // refresh the bf16 working copies (same offsets,
                           // padding included)
    pipeops::to_storage(ctx_, working_, master_, paramFloats_);
}

// After the replica all-reduce, so each side holds the same replica sum of
// its own copy. The copy's rank adds the owner's gradient to its own and
// sends the sum back, so both copies take bit-identical optimizer steps.
void StageRunner::sumTiedGradients() {
  for (size_t k = 0; k < spec_.params.size(); ++k) {
    int owner = spec_.params[k].tiedTo, copy = static_cast<int>(k);
    if (owner < 0)
      continue;
    int ownerRank = spec_.stages[spec_.params[owner].stage].rank;
    int copyRank = spec_.stages[spec_.params[copy].stage].rank;
    int64_t n = spec_.params[copy].elements, bytes = n * 4;
    if (ownerRank == rank_ && copyRank == rank_) { // two stages of this rank
      pipeops::add_f32(ctx_, grad(copy), grad(owner), n);
      pipeops::copy_bytes(ctx_, grad(owner), grad(copy),
                          static_cast<size_t>(bytes));
    } else if (copyRank == rank_) {
      transport_.exchange({Transfer{false, Direction::Tied, ownerRank, owner,
                                    0, tiedScratch_[copy], bytes}});
      pipeops::add_f32(ctx_, grad(copy), tiedScratch_[copy], n);
      transport_.exchange({Transfer{true, Direction::Tied, ownerRank, owner, 0,
                                    grad(copy), bytes}});
    } else if (ownerRank == rank_) {
      transport_.exchange({Transfer{true, Direction::Tied, copyRank, owner, 0,
                                    grad(owner), bytes}});
      transport_.exchange({Transfer{false, Direction::Tied, copyRank, owner,
                                    0, grad(owner), bytes}});
    }
  }
}

/// As torch.nn.utils.clip_grad_norm_: the norm is the square root of the sum
/// of every parameter's sum of squares, each counted once (per-parameter sums
/// all-reduced over every worker, then added in parameter order, so every
/// worker gets the same norm), and gradients are scaled by C / (norm + 1e-6)
/// when that is below 1.
void StageRunner::clipGradients() {
  std::vector<const float *> tensors;
  std::vector<int64_t> sizes;
  std::vector<int> index;
  for (size_t k = 0; k < spec_.params.size(); ++k)
    if (countsInNorm(static_cast<int>(k))) {
      tensors.push_back(grads_ + paramOffset_[k]);
      sizes.push_back(spec_.params[k].elements);
      index.push_back(static_cast<int>(k));
    }
  std::fill(hostNorms_.begin(), hostNorms_.end(), 0.0f);
  if (!tensors.empty()) {
    std::vector<float> mine(tensors.size());
    pipeops::sum_squares(ctx_, norms_, tensors.data(), sizes.data(),
                         static_cast<int>(tensors.size()));
    device_.download(mine.data(), norms_, mine.size() * sizeof(float));
    for (size_t i = 0; i < index.size(); ++i)
      hostNorms_[index[i]] = mine[i];
  }
  size_t bytes = hostNorms_.size() * sizeof(float);
  device_.upload(norms_, hostNorms_.data(), bytes);
  transport_.allReduceSumWorkers(norms_,
                                 static_cast<int64_t>(hostNorms_.size()));
  device_.download(hostNorms_.data(), norms_, bytes);
  double sum = 0;
  for (float s : hostNorms_)
    sum += s;
  gradNorm_ = std::sqrt(sum);
  double coef = spec_.train.clipGrad / (gradNorm_ + 1e-6);
  if (coef < 1 && paramFloats_)
    pipeops::scale_floats(ctx_, grads_, static_cast<float>(coef), paramFloats_);
}

} // namespace pipert
