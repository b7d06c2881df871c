// runMain end to end: the header and step lines, --profile's file, and `error:`
// exits for bad flags and bad data.
#include "test_util.h"

#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>

namespace pipert::test {
namespace {

ModelSpec spec() {
  Strategy s;
  s.stageRank = {0, 1, 2, 3};
  return makeMlpSpec(s);
}

TEST(Cli, PrintsHeaderAndStepLines) {
  testing::internal::CaptureStdout();
  int rc = runWithArgs(spec(), {"--backend=host", "--steps", "2"});
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0);
  EXPECT_NE(
      out.find("pipert: model mlp (mlp.pipe), backend host, ranks 4, stages 4"),
      std::string::npos)
      << out;
  EXPECT_TRUE(std::regex_search(
      out,
      std::regex("\nstep 1 loss [0-9.]+ lr 1\\.0000e-02 samples/s [0-9.]+\n")))
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("\nstep 2 loss [0-9.]+ ")));
  EXPECT_EQ(out.find("step 3"), std::string::npos);
}

TEST(Cli, BadFlagsAreErrors) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--bogus"},
                                        {"--steps", "0"},
                                        {"--steps"},
                                        {"--backend=tpu"},
                                        {"--timeout", "-1"},
                                        {"--checkpoint-every", "2"}}) {
    testing::internal::CaptureStderr();
    int rc = runWithArgs(spec(), args);
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(rc, 1) << args[0];
    EXPECT_EQ(err.rfind("error: ", 0), 0u) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

TEST(Cli, MissingDataFileIsOneErrorLine) {
  ModelSpec s = spec();
  s.inputs = {{"tokens", ElemType::I32, {4}, 256},
              {"targets", ElemType::I32, {4}, 256}};
  s.train.data = DataKind::Bytes;
  s.train.dataFile = "/nonexistent/corpus.txt";
  testing::internal::CaptureStderr();
  int rc = runWithArgs(s, {"--backend=host"});
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(err.rfind("error: /nonexistent/corpus.txt: cannot open", 0), 0u)
      << err;
}

TEST(Cli, ProfileWritesOneEntryPerCell) {
  TempDir dir;
  std::string file = dir.file("profile.json");
  testing::internal::CaptureStdout();
  int rc = runWithArgs(spec(),
                       {"--backend=host", "--steps", "2", "--profile", file});
  testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0);
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string json = ss.str();
  std::regex entry("\\{\"fwd_us\": ([0-9.]+), \"bwd_us\": ([0-9.]+), "
                   "\"wgrad_us\": ([0-9.]+), "
                   "\"send_us\": ([0-9.]+)\\}");
  int cells = 0;
  for (auto it = std::sregex_iterator(json.begin(), json.end(), entry);
       it != std::sregex_iterator(); ++it, ++cells) {
    EXPECT_GT(std::stod((*it)[1]), 0.0) << json; // every cell ran forward
    EXPECT_GT(std::stod((*it)[2]), 0.0) << json;
    EXPECT_EQ(std::stod((*it)[3]), 0.0)
        << json; // no W actions: B holds the weight gradient
    if (cells < 3)
      EXPECT_GT(std::stod((*it)[4]), 0.0)
          << json; // 64 bytes cross each cut, over real sends
    else
      EXPECT_EQ(std::stod((*it)[4]), 0.0)
          << json; // nothing after the last cell
  }
  EXPECT_EQ(cells, 4) << json;
  EXPECT_EQ(json.rfind("{\"cells\": [", 0), 0u);
}

} // namespace
} // namespace pipert::test
