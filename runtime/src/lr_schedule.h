// The learning rate of each optimizer step under train.lr_schedule, as
// Megatron-LM's OptimizerParamScheduler computes it (docs/decisions.md).
#pragma once

#include "pipert/spec.h"

#include <cmath>
#include <cstdint>

namespace pipert {

/// The lr of 1-based optimizer step `t` of a run whose last step is `last`
/// (t in [1, last]). Warm-up: steps 1..W get base * t / W, so step W is the
/// first at the full rate. Then r = (t - W) / (last - W) runs from 0 (not
/// reached) to 1 at the last step: cosine gives minLr + (base - minLr) *
/// (1 + cos(pi r)) / 2, linear base * (1 - r). Constant ignores the rest.
inline double scheduledLr(const TrainSpec &train, double base, int64_t t,
                          int64_t last) {
  if (train.lrSchedule == LrSchedule::Constant)
    return base;
  int64_t w = train.warmup;
  if (t <= w)
    return base * static_cast<double>(t) / static_cast<double>(w);
  double r = static_cast<double>(t - w) / static_cast<double>(last - w);
  if (r > 1) // a step past the last (never asked for) stays at the end value
    r = 1;
  if (train.lrSchedule == LrSchedule::Linear)
    return base * (1 - r);
  const double pi = 3.14159265358979323846;
  double minLr = train.minLr;
  return minLr + (base - minLr) * 0.5 * (1 + std::cos(pi * r));
}

} // namespace pipert
