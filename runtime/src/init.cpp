// Deterministic parameter initialisation: a counter-based generator keyed by
// seed and name.
#include "init.h"

#include "random.h"

namespace pipert {

void initParam(int64_t seed, const ParamSpec &param, float *out) {
  switch (param.init) {
  case Init::Zeros:
    for (int64_t i = 0; i < param.elements; ++i)
      out[i] = 0.0f;
    return;
  case Init::Ones:
    for (int64_t i = 0; i < param.elements; ++i)
      out[i] = 1.0f;
    return;
  case Init::Normal: {
    uint64_t key =
        splitmix64(static_cast<uint64_t>(seed)) ^ hashString(param.name);
    for (int64_t i = 0; i < param.elements; ++i)
      out[i] = param.std * normalAt(key, static_cast<uint64_t>(i));
    return;
  }
  }
}

} // namespace pipert
