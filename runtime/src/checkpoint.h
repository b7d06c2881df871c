// Checkpoints: parameters and optimizer state by name, written atomically with
// a checksum.
#pragma once

#include "pipert/spec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pipert {

struct CheckpointTensor {
  std::string name;
  std::vector<float> param; ///< f32 master values
  std::vector<float>
      m; ///< AdamW first moment, or SGD velocity (empty without momentum)
  std::vector<float> v; ///< AdamW second moment (empty for SGD)
};

struct Checkpoint {
  uint64_t fingerprint = 0;
  int64_t step = 0; ///< optimizer steps done
  int64_t samplesConsumed =
      0; ///< data position: the next step starts at this global sample
  OptimizerKind optimizer = OptimizerKind::AdamW;
  std::vector<CheckpointTensor> tensors;
};

/// The file inside DIR that holds the checkpoint.
std::string checkpointPath(const std::string &dir);

/// Writes DIR/checkpoint.pipert atomically: a temporary file in DIR, fsync,
/// rename over the old one, fsync DIR. Creates DIR if needed. Format (little
/// endian): "PIPERTCK", u32 version 1, u64 fingerprint, i64 step, i64
/// samplesConsumed, u8 optimizer, u32 tensor count; per tensor u32 name length,
/// name bytes, i64 elements, u8 state count, then elements*(1+states) f32
/// (param, m, v); last an u64 FNV-1a checksum of every byte before it.
/// Test hook: with env PIPERT_TEST_SAVE_PAUSE=FILE set, the writer creates FILE
/// half-way through the temporary file and sleeps until killed (tests kill it
/// there).
void saveCheckpoint(const std::string &dir, const Checkpoint &ckpt);

/// Reads and verifies DIR's checkpoint (magic, version, checksum, fingerprint).
/// Throws RuntimeError "<path>: <what>".
Checkpoint loadCheckpoint(const std::string &dir, uint64_t expectedFingerprint);

} // namespace pipert
