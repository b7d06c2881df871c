// Training data: synthetic samples from the seed, or token windows from a
// bytes/tokens file, addressed by global sample index so every strategy sees
// the same samples (program.md).
#pragma once

#include "pipert/spec.h"

#include <cstdint>
#include <vector>

namespace pipert {

/// Sample order (program.md): step t consumes global samples [t*G, (t+1)*G), G
/// = microbatches * batch * dataParallel. Replica d, micro-batch k, row j holds
/// sample
///   t*G + d*(microbatches*batch) + k*batch + j.
/// Synthetic: element e of input i of sample g is uniformBelow(vocab) (I32) or
/// a standard normal (F32) drawn from stream (seed, input i) at counter g *
/// sampleElements + e. Bytes/Tokens: the model has two I32 inputs of sampleDims
/// {S}; sample g is the S+1 tokens starting at token (g*S) mod T, wrapping
/// around the T tokens; input 0 gets tokens [0,S), input 1 gets [1,S].
class DataSource {
public:
  /// Loads and validates the data file (Bytes/Tokens). Throws RuntimeError
  /// "<file>: <what>" for a missing/unreadable/short file, bad header, or a
  /// token >= vocab.
  explicit DataSource(const ModelSpec &spec);

  int64_t sampleElements(int input) const { return sampleElements_[input]; }
  /// Bytes of input i for one micro-batch (batch samples).
  int64_t microbatchBytes(int input) const;
  /// Writes input `input` of `samples` consecutive samples starting at global
  /// index `first` into out (host memory, 4-byte elements).
  void fill(int input, int64_t first, int64_t samples, void *out) const;
  /// Global index of row 0 of (step, replica, micro-batch), plus the sample
  /// offset.
  int64_t firstSample(int64_t step, int replica, int mb) const;
  /// Shifts every sample index (resuming a checkpoint written with another
  /// global batch: the first resumed step must start at the checkpoint's data
  /// position).
  void setSampleOffset(int64_t offset) { offset_ = offset; }

private:
  const ModelSpec &spec_;
  std::vector<int64_t> sampleElements_;
  int64_t offset_ = 0;
  std::vector<int32_t> tokens_; ///< Bytes/Tokens: the whole file's tokens
};

} // namespace pipert
