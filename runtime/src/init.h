// Deterministic parameter initialisation from (seed, parameter name).
#pragma once

#include "pipert/spec.h"

namespace pipert {

/// Writes the initial values of `param` (ParamSpec::elements floats) into out
/// (host memory): element i of a Normal parameter is std * normal(key, i) with
/// key = splitmix64(seed) ^ fnv1a64(name), so the values depend on nothing else
/// (not the stage, rank or strategy).
void initParam(int64_t seed, const ParamSpec &param, float *out);

} // namespace pipert
