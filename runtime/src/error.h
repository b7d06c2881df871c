// Runtime failures: one exception type whose message becomes the single
// `error:` line.
#pragma once

#include <stdexcept>
#include <string>

namespace pipert {

/// Thrown anywhere in the runtime; runMain prints "error: <what()>" and
/// exits 1.
struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Thrown in a worker that stops because another worker already failed (not
/// reported itself).
struct PeerFailed : std::runtime_error {
  PeerFailed() : std::runtime_error("another rank failed") {}
};

} // namespace pipert
