// Data loading: synthetic samples, raw bytes and llm.c token shards, with their
// validation.
#include "data.h"

#include "error.h"
#include "mapped_file.h"
#include "random.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pipert {
namespace {

constexpr int32_t kShardMagic = 20240520;
constexpr int32_t kShardVersion = 1;
constexpr size_t kShardHeaderBytes = 256 * sizeof(int32_t);

[[noreturn]] void dataError(const std::string &file, const std::string &what) {
  throw RuntimeError(file + ": " + what);
}

/// Checks an llm.c shard's header; returns its token count.
int64_t shardTokens(const std::string &file, const MappedFile &map) {
  if (map.size() < kShardHeaderBytes)
    dataError(file, "too short for the 1024-byte llm.c header (" +
                        std::to_string(map.size()) + " bytes)");
  int32_t header[256];
  std::memcpy(header, map.data(), sizeof(header));
  if (header[0] != kShardMagic)
    dataError(file, "bad magic " + std::to_string(header[0]) + " (expected " +
                        std::to_string(kShardMagic) + ")");
  if (header[1] != kShardVersion)
    dataError(file, "unsupported version " + std::to_string(header[1]) +
                        " (expected 1)");
  int64_t count = header[2];
  int64_t available = static_cast<int64_t>(map.size() - kShardHeaderBytes) / 2;
  if (count < 0 || count > available)
    dataError(file, "header says " + std::to_string(count) +
                        " tokens but the file holds " +
                        std::to_string(available));
  return count;
}

} // namespace

DataSource::DataSource(const ModelSpec &spec, DataKind kind,
                       const std::string &file)
    : spec_(spec), kind_(kind) {
  for (const InputSpec &in : spec.inputs) {
    int64_t n = 1;
    for (int64_t d : in.sampleDims)
      n *= d;
    sampleElements_.push_back(n);
  }
  if (kind == DataKind::Synthetic)
    return;
  if (spec.inputs.size() != 2 || spec.inputs[0].type != ElemType::I32 ||
      spec.inputs[1].type != ElemType::I32 ||
      spec.inputs[0].sampleDims.size() != 1 ||
      spec.inputs[0].sampleDims != spec.inputs[1].sampleDims)
    dataError(file,
              "bytes/tokens data needs a model with two inputs i32[batch, S]");
  map_ = std::make_shared<MappedFile>(file);
  if (kind == DataKind::Bytes) {
    tokenCount_ = static_cast<int64_t>(map_->size());
  } else {
    tokenCount_ = shardTokens(file, *map_);
    tokenBytes_ = 2;
    tokenBase_ = map_->data() + kShardHeaderBytes;
  }
  if (!tokenBase_)
    tokenBase_ = map_->data();
  int64_t S = spec.inputs[0].sampleDims[0];
  if (tokenCount_ < S + 1)
    dataError(file, "too short: " + std::to_string(tokenCount_) +
                        " tokens, a sample needs " + std::to_string(S + 1));
  // One sequential pass over the map; none when every token value fits.
  int64_t vocab = std::min(spec.inputs[0].vocab, spec.inputs[1].vocab);
  if (vocab < (int64_t(1) << (8 * tokenBytes_)))
    for (int64_t i = 0; i < tokenCount_; ++i)
      if (int32_t t = token(i); t >= vocab)
        dataError(file, "token " + std::to_string(t) + " at position " +
                            std::to_string(i) + " is outside the vocabulary (" +
                            std::to_string(vocab) + ")");
}

int64_t DataSource::microbatchBytes(int input) const {
  return sampleElements_[input] * spec_.batch * 4;
}

int64_t DataSource::firstSample(int64_t step, int replica, int mb) const {
  int64_t perReplica = static_cast<int64_t>(spec_.microbatches) * spec_.batch;
  return offset_ + step * perReplica * spec_.dataParallel +
         replica * perReplica + static_cast<int64_t>(mb) * spec_.batch;
}

void DataSource::fill(int input, int64_t first, int64_t samples,
                      void *out) const {
  const InputSpec &in = spec_.inputs[input];
  int64_t n = sampleElements_[input];
  if (kind_ == DataKind::Synthetic) {
    uint64_t key =
        splitmix64(static_cast<uint64_t>(spec_.train.seed) ^ 0xda7a5eedull) ^
        splitmix64(static_cast<uint64_t>(input) + 1);
    for (int64_t s = 0; s < samples; ++s)
      for (int64_t e = 0; e < n; ++e) {
        uint64_t counter = static_cast<uint64_t>((first + s) * n + e);
        if (in.type == ElemType::I32)
          static_cast<int32_t *>(out)[s * n + e] = static_cast<int32_t>(
              uniformBelow(randomBits(key, counter), in.vocab));
        else
          static_cast<float *>(out)[s * n + e] = normalAt(key, counter);
      }
    return;
  }
  int64_t S = n, T = tokenCount_;
  int32_t *dst = static_cast<int32_t *>(out);
  for (int64_t s = 0; s < samples; ++s) {
    int64_t start = ((first + s) % T) * (S % T) %
                    T; // (g*S) mod T without overflow for sane g
    for (int64_t e = 0; e < S; ++e)
      dst[s * S + e] = token((start + e + input) % T);
  }
}

} // namespace pipert
