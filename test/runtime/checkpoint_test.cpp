// Checkpoints: round trip, corruption and mismatch errors, resuming under
// another strategy step for step, and a process killed in the middle of a save
// leaving the old checkpoint loadable.
#include "checkpoint.h"
#include "error.h"
#include "test_util.h"

#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <thread>

namespace pipert::test {
namespace {

Strategy fourRanks() {
  Strategy s;
  s.stageRank = {0, 1, 2, 3};
  s.order = Order::OneFOneB;
  return s;
}

Strategy interleavedTwoReplicas() {
  Strategy s;
  s.stageRank = {0, 1, 0, 1};
  s.order = Order::MbMajor;
  s.microbatches = 2;
  s.dataParallel = 2;
  return s;
}

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const RuntimeError &e) {
    return e.what();
  }
  return "";
}

TEST(Checkpoint, RoundTripsExactly) {
  TempDir dir;
  Checkpoint c;
  c.fingerprint = 42;
  c.step = 7;
  c.samplesConsumed = 56;
  c.optimizer = OptimizerKind::AdamW;
  c.tensors.push_back(
      {"a.weight", {1.5f, -2.0f, 3.25f}, {0.1f, 0.2f, 0.3f}, {1, 2, 3}});
  c.tensors.push_back({"b", {}, {}, {}});
  saveCheckpoint(dir.path, c);
  Checkpoint d = loadCheckpoint(dir.path, 42);
  EXPECT_EQ(d.step, 7);
  EXPECT_EQ(d.samplesConsumed, 56);
  ASSERT_EQ(d.tensors.size(), 2u);
  EXPECT_EQ(d.tensors[0].name, "a.weight");
  EXPECT_EQ(d.tensors[0].param, c.tensors[0].param);
  EXPECT_EQ(d.tensors[0].m, c.tensors[0].m);
  EXPECT_EQ(d.tensors[0].v, c.tensors[0].v);
  EXPECT_EQ(d.tensors[1].name, "b");
}

TEST(Checkpoint, CorruptionAndWrongModelAreErrors) {
  TempDir dir;
  Checkpoint c;
  c.fingerprint = 42;
  c.tensors.push_back({"w", {1, 2, 3, 4}, {}, {}});
  saveCheckpoint(dir.path, c);
  EXPECT_NE(
      errorOf([&] { loadCheckpoint(dir.path, 43); }).find("different model"),
      std::string::npos);
  { // flip one byte of a parameter value
    std::fstream f(checkpointPath(dir.path),
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-12, std::ios::end);
    f.put('\x7f');
  }
  EXPECT_NE(
      errorOf([&] { loadCheckpoint(dir.path, 42); }).find("checksum mismatch"),
      std::string::npos);
  TempDir empty;
  EXPECT_NE(errorOf([&] {
              loadCheckpoint(empty.path, 42);
            }).find("cannot open checkpoint"),
            std::string::npos);
}

TEST(Checkpoint, MissingOrResizedParameterIsAnError) {
  TempDir dir;
  ModelSpec spec = makeMlpSpec(fourRanks());
  Options save;
  save.steps = 1;
  save.checkpointDir = dir.path;
  train(spec, save);
  Options resume;
  resume.resumeDir = dir.path;
  ModelSpec renamed = spec;
  renamed.params[3].name = "l1.shift";
  EXPECT_NE(errorOf([&] {
              train(renamed, resume);
            }).find("parameter l1.shift is missing"),
            std::string::npos);
  ModelSpec resized = spec;
  resized.params[1].elements = 9;
  EXPECT_NE(errorOf([&] {
              train(resized, resume);
            }).find("l0.bias has 8 elements, the model 9"),
            std::string::npos);
}

TEST(Checkpoint, ResumeUnderAnotherStrategyMatchesAnUninterruptedRun) {
  ModelSpec a = makeMlpSpec(fourRanks());
  Options four;
  four.steps = 4;
  TrainResult whole = train(a, four);

  TempDir dir;
  Options first;
  first.steps = 2;
  first.checkpointDir = dir.path;
  TrainResult part1 = train(a, first);
  Options second;
  second.steps = 2;
  second.resumeDir = dir.path;
  TrainResult part2 = train(makeMlpSpec(interleavedTwoReplicas()), second);

  ASSERT_EQ(whole.losses.size(), 4u);
  ASSERT_EQ(part2.losses.size(), 2u);
  EXPECT_EQ(part1.losses[0], whole.losses[0]);
  EXPECT_EQ(part1.losses[1], whole.losses[1]);
  EXPECT_NEAR(part2.losses[0], whole.losses[2], 1e-5 * whole.losses[2]);
  EXPECT_NEAR(part2.losses[1], whole.losses[3], 1e-5 * whole.losses[3]);
  EXPECT_EQ(part2.final.step, 4);
  for (size_t t = 0; t < whole.final.tensors.size(); ++t)
    for (size_t i = 0; i < whole.final.tensors[t].param.size(); ++i)
      EXPECT_NEAR(part2.final.tensors[t].param[i],
                  whole.final.tensors[t].param[i], 1e-5);
}

TEST(Checkpoint, KillDuringSaveLeavesTheOldCheckpointLoadable) {
  TempDir dir;
  ModelSpec spec = makeMlpSpec(fourRanks());
  Options one;
  one.steps = 1;
  one.checkpointDir = dir.path;
  TrainResult good = train(spec, one);

  std::string marker = dir.file("paused");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child ==
      0) { // save pauses half-way through the temporary file until killed
    setenv("PIPERT_TEST_SAVE_PAUSE", marker.c_str(), 1);
    Options two;
    two.steps = 2;
    two.resumeDir = dir.path;
    two.checkpointDir = dir.path;
    train(spec, two);
    _exit(0); // not reached: the parent kills us in the save
  }
  for (int i = 0; i < 1000 && access(marker.c_str(), F_OK) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(access(marker.c_str(), F_OK), 0) << "child never reached the save";
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  Checkpoint c = loadCheckpoint(dir.path, spec.fingerprint);
  EXPECT_EQ(c.step, 1);
  for (size_t t = 0; t < c.tensors.size(); ++t)
    EXPECT_EQ(c.tensors[t].param, good.final.tensors[t].param);
  Options resume;
  resume.steps = 1;
  resume.resumeDir = dir.path;
  EXPECT_EQ(train(spec, resume).final.step, 2);
}

} // namespace
} // namespace pipert::test
