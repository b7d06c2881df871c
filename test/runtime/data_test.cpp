// Data: the sample order of program.md on a hand-made byte file, synthetic data
// independent of the split, and every bad-file case with its error.
#include "data.h"
#include "error.h"
#include "test_util.h"

#include <fstream>
#include <gtest/gtest.h>

namespace pipert::test {
namespace {

ModelSpec lmSpec(DataKind kind, const std::string &file, int64_t S,
                 int64_t vocab = 256) {
  ModelSpec spec;
  spec.microbatches = 2;
  spec.batch = 2;
  spec.dataParallel = 2;
  spec.inputs = {{"tokens", ElemType::I32, {S}, vocab},
                 {"targets", ElemType::I32, {S}, vocab}};
  spec.train.data = kind;
  spec.train.dataFile = file;
  return spec;
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void writeShard(const std::string &path, int32_t magic, int32_t version,
                int32_t count, const std::vector<uint16_t> &tokens) {
  std::vector<int32_t> header(256, 0);
  header[0] = magic;
  header[1] = version;
  header[2] = count;
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char *>(header.data()), 1024);
  f.write(reinterpret_cast<const char *>(tokens.data()), tokens.size() * 2);
}

std::string errorOf(const ModelSpec &spec) {
  try {
    DataSource d(spec);
  } catch (const RuntimeError &e) {
    return e.what();
  }
  return "";
}

TEST(Data, BytesFollowTheProgramSampleOrder) {
  TempDir dir;
  std::string file = dir.file("corpus.txt");
  writeBytes(file, "abcdefghij"); // T = 10 tokens
  ModelSpec spec = lmSpec(DataKind::Bytes, file, 3);
  DataSource d(spec);
  // G = 2 mb x 2 batch x 2 replicas = 8. Step 1, replica 1, micro-batch 1, row
  // 0 is sample 1*8 + 1*4 + 1*2 + 0 = 14; its window starts at token 14*3 mod
  // 10 = 2: "cdef".
  EXPECT_EQ(d.firstSample(1, 1, 1), 14);
  int32_t in[6], tgt[6];
  d.fill(0, 14, 2, in);
  d.fill(1, 14, 2, tgt);
  // Sample 15 starts at 45 mod 10 = 5: "fghi".
  EXPECT_EQ(std::vector<int32_t>(in, in + 6),
            std::vector<int32_t>({'c', 'd', 'e', 'f', 'g', 'h'}));
  EXPECT_EQ(std::vector<int32_t>(tgt, tgt + 6),
            std::vector<int32_t>({'d', 'e', 'f', 'g', 'h', 'i'}));
  // Sample 3 starts at 9 and wraps: "jabc".
  d.fill(0, 3, 1, in);
  d.fill(1, 3, 1, tgt);
  EXPECT_EQ(std::vector<int32_t>(in, in + 3),
            std::vector<int32_t>({'j', 'a', 'b'}));
  EXPECT_EQ(std::vector<int32_t>(tgt, tgt + 3),
            std::vector<int32_t>({'a', 'b', 'c'}));
}

TEST(Data, TokenShardIsDecoded) {
  TempDir dir;
  std::string file = dir.file("shard.bin");
  writeShard(file, 20240520, 1, 5, {10, 11, 12, 13, 14});
  DataSource d(lmSpec(DataKind::Tokens, file, 2, 50));
  int32_t in[2], tgt[2];
  d.fill(0, 1, 1, in); // sample 1 starts at token 2
  d.fill(1, 1, 1, tgt);
  EXPECT_EQ(in[0], 12);
  EXPECT_EQ(in[1], 13);
  EXPECT_EQ(tgt[1], 14);
}

TEST(Data, SyntheticSamplesDependOnlyOnTheirIndex) {
  ModelSpec spec = lmSpec(DataKind::Synthetic, "", 16, 7);
  spec.inputs.push_back({"x", ElemType::F32, {3, 2}, 0});
  DataSource d(spec);
  std::vector<int32_t> four(64), one(16);
  d.fill(0, 10, 4, four.data());
  d.fill(0, 12, 1, one.data()); // sample 12 alone equals the third of the four
  EXPECT_EQ(std::vector<int32_t>(four.begin() + 32, four.begin() + 48), one);
  for (int32_t t : four)
    EXPECT_TRUE(t >= 0 && t < 7);
  std::vector<float> x(6);
  d.fill(2, 0, 1, x.data());
  EXPECT_NE(x[0], x[1]);
}

TEST(Data, BadFilesGiveTheirErrors) {
  TempDir dir;
  std::string missing = dir.file("missing.bin");
  EXPECT_NE(errorOf(lmSpec(DataKind::Bytes, missing, 4))
                .find(missing + ": cannot open"),
            std::string::npos);

  std::string shortBytes = dir.file("short.txt");
  writeBytes(shortBytes, "abcd"); // S = 4 needs 5 tokens
  EXPECT_NE(errorOf(lmSpec(DataKind::Bytes, shortBytes, 4))
                .find(shortBytes + ": too short: 4 tokens, a sample needs 5"),
            std::string::npos);

  std::string highByte = dir.file("high.txt");
  writeBytes(highByte, "abcdefgh\xc8");
  EXPECT_NE(
      errorOf(lmSpec(DataKind::Bytes, highByte, 4, 128))
          .find(highByte +
                ": token 200 at position 8 is outside the vocabulary (128)"),
      std::string::npos);

  std::string magic = dir.file("magic.bin");
  writeShard(magic, 20240521, 1, 8, std::vector<uint16_t>(8, 1));
  EXPECT_NE(errorOf(lmSpec(DataKind::Tokens, magic, 4))
                .find(magic + ": bad magic 20240521"),
            std::string::npos);

  std::string version = dir.file("version.bin");
  writeShard(version, 20240520, 2, 8, std::vector<uint16_t>(8, 1));
  EXPECT_NE(errorOf(lmSpec(DataKind::Tokens, version, 4))
                .find(version + ": unsupported version 2"),
            std::string::npos);

  std::string counted = dir.file("counted.bin");
  writeShard(counted, 20240520, 1, 100, std::vector<uint16_t>(8, 1));
  EXPECT_NE(
      errorOf(lmSpec(DataKind::Tokens, counted, 4))
          .find(counted + ": header says 100 tokens but the file holds 8"),
      std::string::npos);

  std::string bigToken = dir.file("big.bin");
  writeShard(bigToken, 20240520, 1, 8, {1, 2, 3, 300, 4, 5, 6, 7});
  EXPECT_NE(
      errorOf(lmSpec(DataKind::Tokens, bigToken, 4))
          .find(bigToken +
                ": token 300 at position 3 is outside the vocabulary (256)"),
      std::string::npos);

  std::string shortShard = dir.file("shortshard.bin");
  writeShard(shortShard, 20240520, 1, 3, {1, 2, 3});
  EXPECT_NE(errorOf(lmSpec(DataKind::Tokens, shortShard, 4))
                .find("too short: 3 tokens"),
            std::string::npos);

  std::string header = dir.file("header.bin");
  writeBytes(header, "tiny");
  EXPECT_NE(errorOf(lmSpec(DataKind::Tokens, header, 4))
                .find(header + ": too short for"),
            std::string::npos);
}

} // namespace
} // namespace pipert::test
