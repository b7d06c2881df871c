// One process per worker under mpirun on the host backend (MPI transport): the
// step losses equal the threaded run's (the program.md invariant, the threaded
// runtime being the oracle), the checkpoint gathered from the processes equals
// the threaded final state and resumes in-process,
// --profile covers every cell, and a wrong process count or mismatched programs
// end with an `error:` line and a non-zero status, a lost send within the
// watchdog timeout.
#include "test_util.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>
#include <sys/wait.h>

namespace pipert::test {
namespace {

struct Launched {
  int status;
  std::string out, err;
};

Launched launch(int processes, const std::string &args) {
  TempDir dir;
  std::string cmd = std::string(PIPERT_MPIRUN) +
                    " --allow-run-as-root --oversubscribe -np " +
                    std::to_string(processes) + " " + PIPERT_MPI_WORKER + " " +
                    args + " 2>" + dir.file("stderr");
  Launched r;
  FILE *p = popen(cmd.c_str(), "r");
  if (!p)
    return {-1, "", "popen failed"};
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p))
    r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream err(dir.file("stderr"));
  std::stringstream ss;
  ss << err.rdbuf();
  r.err = ss.str();
  return r;
}

std::vector<double> stepLosses(const std::string &out) {
  std::vector<double> losses;
  std::regex line("(^|\n)step ([0-9]+) loss ([^ ]+) ");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), line);
       it != std::sregex_iterator(); ++it)
    losses.push_back(std::stod((*it)[3]));
  return losses;
}

int countErrorLines(const std::string &err) {
  int n = 0;
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);)
    n += l.rfind("error: ", 0) == 0;
  return n;
}

// The oracle: the same model trained in this process, all four stages on one
// thread, global batch 8 (4 micro-batches of 2), the threaded runtime's sum
// order.
std::vector<double> threadedLosses(int steps) {
  Strategy s;
  s.stageRank = {0, 0, 0, 0};
  Options o;
  o.steps = steps;
  return train(makeMlpSpec(s), o).losses;
}

void expectSameLosses(const std::vector<double> &got,
                      const std::vector<double> &want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5 * std::abs(want[i])) << "step " << i + 1;
}

TEST(MpiProcesses, FourPipelineProcessesMatchTheThreadedRun) {
  TempDir dir;
  Launched r =
      launch(4, "pipe4 --backend=host --steps 3 --timeout 30 --profile " +
                    dir.file("profile.json"));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(
      r.out.find(
          "pipert: model mlp (mlp.pipe), backend host, ranks 4, stages 4"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("pipert: devices cpu (4 processes, one worker each)"),
            std::string::npos);
  // Only world rank 0 prints: one header, one line per step.
  EXPECT_EQ(r.out.find("pipert: model", r.out.find("pipert: model") + 1),
            std::string::npos);
  expectSameLosses(stepLosses(r.out), threadedLosses(3));
  std::ifstream profile(dir.file("profile.json"));
  std::stringstream text;
  text << profile.rdbuf();
  std::string json = text.str();
  std::regex entry("\"fwd_us\": ([0-9.]+), \"bwd_us\": ([0-9.]+)");
  int cells = 0;
  for (auto it = std::sregex_iterator(json.begin(), json.end(), entry);
       it != std::sregex_iterator(); ++it, ++cells)
    EXPECT_GT(std::stod((*it)[1]), 0.0)
        << "cell " << cells << " measured by its process";
  EXPECT_EQ(cells, 4) << json;
}

TEST(MpiProcesses, InterleavedTwoReplicasMatchAndCheckpointResumesInProcess) {
  TempDir dir;
  Launched r = launch(
      4, "interleaved-dp2 --backend=host --steps 2 --timeout 30 --checkpoint " +
             dir.path);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::vector<double> whole = threadedLosses(4);
  expectSameLosses(stepLosses(r.out), {whole[0], whole[1]});
  // The gathered file is the threaded format: resume it on one thread and match
  // steps 3 and 4.
  Strategy one;
  one.stageRank = {0, 0, 0, 0};
  Options resume;
  resume.steps = 2;
  resume.resumeDir = dir.path;
  expectSameLosses(train(makeMlpSpec(one), resume).losses,
                   {whole[2], whole[3]});
}

TEST(MpiProcesses, WrongProcessCountIsOneErrorLine) {
  Launched r = launch(3, "pipe4 --backend=host --steps 1 --timeout 30");
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(countErrorLines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("error: mpirun started 3 processes, but this program "
                       "runs one per worker: "
                       "ranks x data_parallel = 4 x 1 = 4"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("step "), std::string::npos);
}

TEST(MpiProcesses, MismatchedProgramsEndTheJobNamingBothRanks) {
  Launched r =
      launch(4, "pipe4-mismatch --backend=host --steps 1 --timeout 30");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("error: rank 2: RecvAct(stage 2, mb 1) from rank 1 "
                       "(expects stage 1, mb 1"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the programs of ranks 1 and 2 disagree"),
            std::string::npos);
}

TEST(MpiProcesses, LostSendTimesOutInsteadOfHanging) {
  auto start = std::chrono::steady_clock::now();
  Launched r =
      launch(4, "pipe4-lost-send --backend=host --steps 1 --timeout 2");
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(std::regex_search(
      r.err,
      std::regex(
          R"re((^|\n)error: rank [0-9]: [A-Za-z]+\(stage [0-9], mb [0-9]\) )re"
          R"re((to|from) rank [0-9] timed out after 2 s)re")))
      << r.err;
  EXPECT_LT(seconds, 60.0); // the 2 s watchdog, not the test timeout, ended it
}

} // namespace
} // namespace pipert::test
