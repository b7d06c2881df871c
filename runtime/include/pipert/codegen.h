// pipert/codegen.h: the accessors pipec's generated stage functions use.
//
// Generated code names every buffer by a byte offset the compiler planned;
// these one-line helpers turn (frame, offset) into typed pointers so the
// generated C++ stays a flat list of op-library calls.
#pragma once

#include "pipert/frame.h"

namespace pipert::gen {

inline const pipeops::Context &context(StageFrame &f) { return f.ctx; }
/// Activations and gradients in this micro-batch's slot.
inline void *slot(StageFrame &f, int64_t offset) { return f.slot + offset; }
inline float *slotF32(StageFrame &f, int64_t offset) {
  return reinterpret_cast<float *>(f.slot + offset);
}
/// Temporaries a recomputing stage does not keep.
inline void *scratch(StageFrame &f, int64_t offset) {
  return f.scratch + offset;
}
inline float *scratchF32(StageFrame &f, int64_t offset) {
  return reinterpret_cast<float *>(f.scratch + offset);
}
/// Model inputs of this micro-batch.
inline const void *input(StageFrame &f, int64_t i) {
  return f.input(static_cast<int>(i));
}
inline const int32_t *ids(StageFrame &f, int64_t i) {
  return static_cast<const int32_t *>(f.input(static_cast<int>(i)));
}
/// Parameters (working copy) and their f32 gradients, by global index.
inline void *param(StageFrame &f, int64_t k) {
  return f.param(static_cast<int>(k));
}
inline float *grad(StageFrame &f, int64_t k) {
  return f.grad(static_cast<int>(k));
}
inline float lossScale(StageFrame &f) { return f.lossScale; }
inline float *loss(StageFrame &f) { return f.loss; }
inline void beginCell(StageFrame &f, int64_t cell) {
  f.beginCell(static_cast<int>(cell));
}
inline void endCell(StageFrame &f, int64_t cell) {
  f.endCell(static_cast<int>(cell));
}

} // namespace pipert::gen
