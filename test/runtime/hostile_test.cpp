// Hostile inputs to the generated program (issue 16): huge timeouts, output
// paths that cannot be written, a second writer, stale temporaries,
// directories where files belong, --help, and data files read from a map.
#include "data.h"
#include "error.h"
#include "outputs.h"
#include "test_util.h"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>

namespace pipert::test {
namespace {

ModelSpec spec() {
  Strategy s;
  s.stageRank = {0, 0, 1, 1};
  return makeMlpSpec(s);
}

struct Outcome {
  int rc;
  std::string out, err;
};

Outcome run(const ModelSpec &s, const std::vector<std::string> &args) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int rc = runWithArgs(s, args);
  std::string out = testing::internal::GetCapturedStdout();
  return {rc, out, testing::internal::GetCapturedStderr()};
}

int lines(const std::string &s) { return std::count(s.begin(), s.end(), '\n'); }

// A tied copy must mirror an earlier parameter of its name and size on
// another stage (what pipec emits); anything else is refused before training.
TEST(Hostile, MalformedTiedCopiesAreRefused) {
  ModelSpec base = spec();
  ParamSpec copy = base.params[0]; // l0.weight, owned by stage 0
  copy.stage = 2;
  copy.tiedTo = 0;
  base.params.push_back(copy);
  base.stages[2].params.push_back(int(base.params.size()) - 1);
  ModelSpec wrongSize = base, sameStage = base, forward = base;
  wrongSize.params.back().elements += 1;
  sameStage.params.back().stage = 0;
  forward.params.back().tiedTo = int(base.params.size()) - 1;
  for (ModelSpec *bad : {&wrongSize, &sameStage, &forward}) {
    Outcome o = run(*bad, {"--steps", "1"});
    EXPECT_EQ(o.rc, 1);
    EXPECT_EQ(o.err, "error: internal error: tied copy l0.weight does not "
                     "mirror an earlier parameter of the same name and size "
                     "on another stage\n");
  }
}

TEST(Hostile, HugeTimeoutsSaturate) {
  for (const char *t : {"1e10", "inf", "1e308"}) {
    Outcome r = run(spec(), {"--backend=host", "--steps", "1", "--timeout", t});
    EXPECT_EQ(r.rc, 0) << t << ": " << r.err;
    EXPECT_NE(r.out.find("step 1 loss"), std::string::npos) << r.out;
  }
  setenv("PIPERT_TIMEOUT", "inf", 1);
  Outcome r = run(spec(), {"--backend=host", "--steps", "1"});
  unsetenv("PIPERT_TIMEOUT");
  EXPECT_EQ(r.rc, 0) << r.err;
  std::vector<std::string> args = {"prog", "--timeout", "inf"};
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  EXPECT_EQ(parseOptions(3, argv.data()).timeoutSeconds, kMaxTimeoutSeconds);
}

TEST(Hostile, HelpPrintsUsageAndThePlan) {
  Outcome r = run(spec(), {"--steps", "0", "--help"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("usage: mlp ", 0), 0u) << r.out;
  for (const char *flag :
       {"--backend", "--steps N", "--checkpoint DIR", "--checkpoint-every",
        "--resume", "--profile", "--timeout", "default: 300", "default: 3"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag << "\n" << r.out;
  EXPECT_NE(r.out.find("model mlp"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ranks 2"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("step 1"), std::string::npos);
}

TEST(Hostile, UnwritableOutputsFailBeforeTheFirstStep) {
  TempDir dir;
  std::string file = dir.file("plain");
  std::ofstream(file) << "x";
  std::vector<std::vector<std::string>> cases = {
      {"--profile", dir.file("missing/p.json")},
      {"--profile", dir.path},
      {"--checkpoint", file},
      {"--checkpoint", dir.file("missing/ckpt")},
  };
  for (auto c : cases) {
    std::vector<std::string> args = {"--backend=host", "--steps", "2"};
    args.insert(args.end(), c.begin(), c.end());
    Outcome r = run(spec(), args);
    EXPECT_EQ(r.rc, 1) << c[0] << " " << c[1];
    EXPECT_EQ(r.out.find("step 1"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.rfind("error: " + c[0] + " '" + c[1] + "': ", 0), 0u)
        << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
  }
  // Neither check leaves anything behind.
  struct stat st;
  EXPECT_NE(::stat(dir.file("missing").c_str(), &st), 0);
}

TEST(Hostile, ASecondWriterOfOneCheckpointDirectoryIsRefused) {
  TempDir dir;
  Options first;
  first.checkpointDir = dir.file("ckpt");
  {
    OutputClaim held(first);
    Outcome r = run(spec(), {"--backend=host", "--steps", "1", "--checkpoint",
                             first.checkpointDir});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find("another run is writing this checkpoint directory"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("(pid " + std::to_string(getpid()) + ")"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_EQ(r.out.find("step 1"), std::string::npos);
  }
  // Released with its holder.
  Outcome r = run(spec(), {"--backend=host", "--steps", "1", "--checkpoint",
                           first.checkpointDir});
  EXPECT_EQ(r.rc, 0) << r.err;
}

TEST(Hostile, StaleTemporariesOfDeadWritersAreRemovedAtStart) {
  TempDir dir;
  pid_t child = fork();
  if (child == 0)
    _exit(0);
  waitpid(child, nullptr, 0); // now a PID no process has
  std::string dead = dir.file("checkpoint.pipert.tmp." + std::to_string(child));
  std::string alive =
      dir.file("checkpoint.pipert.tmp." + std::to_string(getppid()));
  std::string other = dir.file("checkpoint.pipert.tmp.notapid");
  for (const std::string &f : {dead, alive, other})
    std::ofstream(f) << "half a checkpoint";
  Outcome r =
      run(spec(), {"--backend=host", "--steps", "1", "--checkpoint", dir.path});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(access(dead.c_str(), F_OK), 0) << "the dead writer's file stayed";
  EXPECT_EQ(access(alive.c_str(), F_OK), 0) << "a live writer's file went";
  EXPECT_EQ(access(other.c_str(), F_OK), 0);
  EXPECT_EQ(access(dir.file("checkpoint.pipert").c_str(), F_OK), 0);
}

TEST(Hostile, DirectoriesWhereFilesBelongNameThePath) {
  TempDir dir;
  ModelSpec s = spec();
  s.inputs = {{"tokens", ElemType::I32, {4}, 256},
              {"targets", ElemType::I32, {4}, 256}};
  s.train.data = DataKind::Bytes;
  s.train.dataFile = dir.path;
  Outcome r = run(s, {"--backend=host"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err,
            "error: " + dir.path + ": is a directory, not a data file\n");

  std::string resume = dir.file("resume");
  ASSERT_EQ(::mkdir(resume.c_str(), 0777), 0);
  ASSERT_EQ(::mkdir((resume + "/checkpoint.pipert").c_str(), 0777), 0);
  r = run(spec(), {"--backend=host", "--resume", resume});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err,
            "error: " + resume + "/checkpoint.pipert: is not a regular file\n");
  EXPECT_EQ(r.err.find("underflow"), std::string::npos);

  std::string file = dir.file("file");
  std::ofstream(file) << "x";
  r = run(spec(), {"--backend=host", "--resume", file});
  EXPECT_EQ(r.err,
            "error: " + file + ": is a file, not a checkpoint directory\n");
}

/// Whether /proc/self/maps lists `path` mapped shared and read-only.
bool mappedSharedReadOnly(const std::string &path) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    if (line.size() > path.size() &&
        line.compare(line.size() - path.size(), path.size(), path) == 0 &&
        line.find(" r--s ") != std::string::npos)
      return true;
  return false;
}

TEST(Hostile, DataFilesAreMappedNotCopied) {
  TempDir dir;
  std::string bytes = dir.file("corpus.txt");
  std::ofstream(bytes) << std::string(1 << 20, 'a');
  ModelSpec s;
  s.microbatches = 1;
  s.batch = 1;
  s.dataParallel = 1;
  s.inputs = {{"tokens", ElemType::I32, {4}, 256},
              {"targets", ElemType::I32, {4}, 256}};
  s.train.data = DataKind::Bytes;
  s.train.dataFile = bytes;
  {
    DataSource d(s);
    EXPECT_TRUE(mappedSharedReadOnly(bytes));
    int32_t in[4];
    d.fill(0, (1 << 20) / 4 - 1, 1, in); // the last window wraps around
    EXPECT_EQ(in[3], 'a');
  }
  EXPECT_FALSE(mappedSharedReadOnly(bytes)) << "unmapped with its source";
}

} // namespace
} // namespace pipert::test
