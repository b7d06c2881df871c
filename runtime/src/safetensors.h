// Parameters as a safetensors file (--export, --init): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte
// range, then the raw little-endian data.
#pragma once

#include "pipert/spec.h"

#include <string>
#include <vector>

namespace pipert {

/// Writes every parameter of `spec` (values[k] for spec.params[k]) as F32
/// under its pipec name and row-major shape, in parameter order. Throws
/// RuntimeError "<file>: <what>" when the file cannot be written.
void writeSafetensors(const std::string &file, const ModelSpec &spec,
                      const std::vector<const std::vector<float> *> &values);

/// Reads `file` and returns values[k] for every spec.params[k]. Throws
/// RuntimeError "<file>: <what>", naming the first bad tensor, for a
/// malformed file (short, bad header length, bad JSON, offsets outside the
/// data), a missing parameter, a tensor of the wrong dtype or shape, or a
/// tensor the model does not have.
std::vector<std::vector<float>> readSafetensors(const std::string &file,
                                                const ModelSpec &spec);

} // namespace pipert
