// The training recipe: the lr schedule against its closed form written out by
// hand, and safetensors --export/--init (round trip, hostile files).
#include "lr_schedule.h"
#include "safetensors.h"
#include "error.h"
#include "test_util.h"

#include <cmath>
#include <fstream>
#include <gtest/gtest.h>

namespace pipert::test {
namespace {

constexpr double kPi = 3.14159265358979323846;

TrainSpec schedule(LrSchedule kind, int64_t warmup, float minLr) {
  TrainSpec t;
  t.lrSchedule = kind;
  t.warmup = warmup;
  t.minLr = minLr;
  return t;
}

TEST(LrSchedule, CosineWarmsUpThenReachesMinLrAtTheLastStep) {
  // lr 1, warm-up 2 of 6 steps, min 0.1: steps 1, 2 ramp to 1/2, 1; steps
  // 3..6 are a quarter, half, three quarters and all of the way down.
  TrainSpec t = schedule(LrSchedule::Cosine, 2, 0.1f);
  double min = 0.1f;
  double want[] = {0.5,
                   1.0,
                   min + (1 - min) * (1 + std::cos(kPi / 4)) / 2,
                   min + (1 - min) * 0.5,
                   min + (1 - min) * (1 + std::cos(3 * kPi / 4)) / 2,
                   min};
  for (int s = 1; s <= 6; ++s)
    EXPECT_NEAR(scheduledLr(t, 1.0, s, 6), want[s - 1], 1e-12) << "step " << s;
}

TEST(LrSchedule, LinearDecaysToZeroAndConstantStays) {
  TrainSpec t = schedule(LrSchedule::Linear, 1, 0);
  // Step 1 is the whole warm-up; then 3 steps down to 0.
  double want[] = {2e-3, 2e-3 * 2 / 3, 2e-3 / 3, 0};
  for (int s = 1; s <= 4; ++s)
    EXPECT_NEAR(scheduledLr(t, 2e-3, s, 4), want[s - 1], 1e-15);
  TrainSpec c; // constant
  for (int s = 1; s <= 4; ++s)
    EXPECT_EQ(scheduledLr(c, 3e-4, s, 4), 3e-4);
  // No warm-up: step 1 already decays.
  EXPECT_NEAR(scheduledLr(schedule(LrSchedule::Linear, 0, 0), 1, 1, 4), 0.75,
              1e-15);
}

ModelSpec mlp() {
  Strategy s;
  s.stageRank = {0, 1, 2, 3};
  ModelSpec spec = makeMlpSpec(s);
  spec.train.steps = 2;
  for (int l = 0; l < kStages; ++l) { // weights are [in, out]
    spec.params[2 * l].shape = {layerIn(l), layerOut(l)};
    spec.params[2 * l + 1].shape = {layerOut(l)};
  }
  return spec;
}

std::string readAll(const std::string &file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void writeAll(const std::string &file, const std::string &bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}
/// A safetensors file from its JSON header and data bytes.
std::string file(const std::string &header, const std::string &data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(static_cast<uint64_t>(header.size()) >> (8 * i));
  return out + header + data;
}
/// The message readSafetensors throws for `bytes`, or "" when it reads.
std::string readError(const std::string &bytes, const ModelSpec &spec) {
  TempDir dir;
  writeAll(dir.file("x"), bytes);
  try {
    readSafetensors(dir.file("x"), spec);
  } catch (const RuntimeError &e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, ExportInitExportIsByteIdentical) {
  TempDir dir;
  ModelSpec spec = mlp();
  Options a;
  a.exportFile = dir.file("a.safetensors");
  TrainResult first = train(spec, a);
  std::vector<std::vector<float>> back = readSafetensors(a.exportFile, spec);
  for (size_t k = 0; k < spec.params.size(); ++k)
    EXPECT_EQ(back[k], first.final.tensors[k].param) << spec.params[k].name;
  // A step at lr 0 (SGD, no momentum) leaves --init's values as they were.
  spec.optimizer.kind = OptimizerKind::SGD;
  spec.optimizer.lr = 0;
  spec.optimizer.momentum = 0;
  Options b;
  b.initFile = a.exportFile;
  b.exportFile = dir.file("b.safetensors");
  b.steps = 1;
  train(spec, b);
  std::string bytesA = readAll(a.exportFile);
  EXPECT_GT(bytesA.size(), 8u);
  EXPECT_EQ(bytesA, readAll(b.exportFile));
}

TEST(Safetensors, TheHeaderIsPaddedJsonWithShapesAndOffsets) {
  TempDir dir;
  ModelSpec spec = mlp();
  Options a;
  a.exportFile = dir.file("a.safetensors");
  train(spec, a);
  std::string bytes = readAll(a.exportFile);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  EXPECT_EQ((8 + n) % 8, 0u);
  std::string header = bytes.substr(8, n);
  EXPECT_NE(header.find("\"l0.weight\":{\"dtype\":\"F32\",\"shape\":[4,8],"
                        "\"data_offsets\":[0,128]}"),
            std::string::npos)
      << header;
  // 4x8 + 8 + 8x8 + 8 + 8x8 + 8 + 8x2 + 2 floats of data.
  EXPECT_EQ(bytes.size() - 8 - n, (32 + 8 + 64 + 8 + 64 + 8 + 16 + 2) * 4u);
}

TEST(Safetensors, HostileFilesNameTheFirstBadTensor) {
  TempDir dir;
  ModelSpec spec = mlp();
  Options a;
  a.exportFile = dir.file("a.safetensors");
  train(spec, a);
  std::string good = readAll(a.exportFile);
  ASSERT_EQ(readError(good, spec), "");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= uint64_t(static_cast<unsigned char>(good[i])) << (8 * i);
  std::string header = good.substr(8, n), data = good.substr(8 + n);
  auto replaced = [&](const std::string &from, const std::string &to) {
    std::string h = header;
    h.replace(h.find(from), from.size(), to);
    return file(h, data);
  };
  EXPECT_NE(
      readError(good.substr(0, good.size() / 2), spec).find("run past the"),
      std::string::npos);
  EXPECT_NE(readError(good.substr(0, 5), spec).find("too short"),
            std::string::npos);
  EXPECT_NE(readError(replaced("[4,8]", "[8,4]"), spec)
                .find("tensor l0.weight has shape [8, 4], the model [4, 8]"),
            std::string::npos);
  EXPECT_NE(readError(replaced("\"l1.bias\"", "\"l1.bais\""), spec)
                .find("tensor l1.bias is missing"),
            std::string::npos);
  EXPECT_NE(readError(replaced("\"F32\"", "\"F16\""), spec)
                .find("l0.weight has dtype F16"),
            std::string::npos);
  EXPECT_NE(readError(replaced("{\"l0.weight\"", "{\"l0.weight\"::"), spec)
                .find("bad safetensors header"),
            std::string::npos);
  EXPECT_NE(readError(file(header + "x", data), spec).find("trailing"),
            std::string::npos);
  std::string huge = good;
  huge[7] = 0x7f;
  EXPECT_NE(readError(huge, spec).find("header length"), std::string::npos);
  // A tensor the model lacks.
  std::string extra = header;
  extra.insert(1, "\"zz\":{\"dtype\":\"F32\",\"shape\":[1],"
                  "\"data_offsets\":[0,4]},");
  EXPECT_NE(readError(file(extra, data), spec)
                .find("tensor zz is not a parameter of model mlp"),
            std::string::npos);
  // --init with a bad file is an error at start, before any step.
  writeAll(dir.file("bad"), good.substr(0, 5));
  Options b;
  b.initFile = dir.file("bad");
  EXPECT_THROW(train(spec, b), RuntimeError);
}

} // namespace
} // namespace pipert::test
