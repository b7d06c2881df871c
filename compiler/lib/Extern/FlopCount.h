//===- FlopCount.h - Per-element arithmetic of a CUDA C++ function body ---===//
#ifndef PIPE_EXTERN_FLOPCOUNT_H
#define PIPE_EXTERN_FLOPCOUNT_H

#include <cstdint>

namespace clang {
class FunctionDecl;
} // namespace clang

namespace pipe::ext {

/// The floating-point operations of one call of `fn`, counted as written:
/// - each float `+ - * /` (also as `+=` etc.), comparison, unary minus and
///   `++`/`--` counts 1;
/// - fabsf, fminf, fmaxf, floorf, ceilf, truncf, roundf, copysignf,
///   __fdividef, __frcp_rn and the like count 1; fmaf counts 2;
/// - a transcendental call (exp, log, sqrt, rsqrt, pow, sin, cos, tanh, erf,
///   ... in any of the float, double, std:: and __fast forms) counts
///   kTranscendentalFlops;
/// - a call to another function defined in the same file counts that
///   function's body (recursion counts once);
/// - both arms of a conditional count, and a loop body counts once: the cost
///   model needs a fixed per-element figure, not a trip count.
/// Integer arithmetic, casts and memory accesses count 0.
int64_t countFlops(const clang::FunctionDecl *fn);

} // namespace pipe::ext

#endif // PIPE_EXTERN_FLOPCOUNT_H
