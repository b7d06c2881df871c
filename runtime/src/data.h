// Training data: synthetic samples from the seed, or token windows from a
// bytes/tokens file, addressed by global sample index so every strategy sees
// the same samples (program.md).
#pragma once

#include "pipert/spec.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pipert {

class MappedFile;

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
  /// Maps and validates the data file (Bytes/Tokens). Throws RuntimeError
  /// "<file>: <what>" for a missing/unreadable/short file, a directory, a bad
  /// header, or a token >= vocab.
  explicit DataSource(const ModelSpec &spec)
      : DataSource(spec, spec.train.data, spec.train.dataFile) {}
  /// Another file under the same rules (train.eval's held-out data).
  DataSource(const ModelSpec &spec, DataKind kind, const std::string &file);

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
  DataKind kind_;
  std::vector<int64_t> sampleElements_;
  int64_t offset_ = 0;
  /// Token i of a Bytes (one byte each) or Tokens (little-endian uint16
  /// after the header) file, read from the map.
  int32_t token(int64_t i) const {
    const unsigned char *p = tokenBase_ + i * tokenBytes_;
    return tokenBytes_ == 1 ? p[0] : p[0] | (p[1] << 8);
  }

  // Bytes/Tokens: the file, mapped read-only and shared (copies of a
  // DataSource share the map).
  std::shared_ptr<const MappedFile> map_;
  const unsigned char *tokenBase_ = nullptr;
  int64_t tokenBytes_ = 1, tokenCount_ = 0;
};

} // namespace pipert
