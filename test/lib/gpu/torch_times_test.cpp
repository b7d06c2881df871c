// torch_times_test.cpp: the reader of bench/torch_ops.py's JSON, on
// hand-written files whose values and error positions are counted by hand.
#include "torch_times.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using pipeops::bench::parseTorchTimes;
using pipeops::bench::readTorchTimes;
using pipeops::bench::TorchTimes;

namespace {

TEST(TorchTimes, ReadsOpsAndIgnoresOtherFields) {
  const char *text = R"json({
  "gpu": "NVIDIA H100 80GB HBM3",
  "torch": "2.5.1+cu124",
  "cuda": "12.4",
  "notes": ["a", {"nested": [1, 2.5e-3, true, null]}],
  "ops": {
    "bf16/d768/linear_forward": {"ms": 0.25, "shape": "8192x768x3072"},
    "f32/d1024/gelu_forward": {"how": "F.gelu(x, approximate=\"tanh\")", "ms": 1.5e-1},
    "adamw_step": {"ms": 12}
  }
})json";
  TorchTimes t;
  std::string error;
  ASSERT_TRUE(parseTorchTimes(text, t, error)) << error;
  EXPECT_EQ(t.gpu, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(t.torch, "2.5.1+cu124");
  ASSERT_EQ(t.ms.size(), 3u);
  EXPECT_DOUBLE_EQ(t.ms.at("bf16/d768/linear_forward"), 0.25);
  EXPECT_DOUBLE_EQ(t.ms.at("f32/d1024/gelu_forward"), 0.15);
  EXPECT_DOUBLE_EQ(t.ms.at("adamw_step"), 12.0);
}

TEST(TorchTimes, EscapesInStrings) {
  TorchTimes t;
  std::string error;
  ASSERT_TRUE(
      parseTorchTimes(R"({"gpu": "A\u0042C \"x\"\\", "ops": {}})", t, error))
      << error;
  EXPECT_EQ(t.gpu, "ABC \"x\"\\");
  EXPECT_TRUE(t.ms.empty());
}

// Each case: text, and the expected "LINE:COL: message" counted by hand.
TEST(TorchTimes, LocatedErrors) {
  struct Case {
    const char *text, *error;
  } cases[] = {
      // line 2, column 15 is the '-' of -1.
      {"{\"ops\": {\n  \"a\": {\"ms\": -1}}}",
       "2:15: op \"a\": \"ms\" must be a positive number"},
      {"{\"ops\": {\"a\": {\"ms\": 0}}}",
       "1:22: op \"a\": \"ms\" must be a positive number"},
      // the op's object opens at column 15.
      {"{\"ops\": {\"a\": {\"us\": 3}}}", "1:15: op \"a\" has no \"ms\""},
      {"{\"ops\": {\"a\": {\"ms\": \"3\"}}}", "1:22: expected a number"},
      // the second key "a" starts at column 26.
      {"{\"ops\": {\"a\": {\"ms\": 1}, \"a\": {\"ms\": 2}}}",
       "1:26: op \"a\" appears twice"},
      {"{\"gpu\": \"x\"}", "1:1: no \"ops\" object"},
      {"{\"ops\": {}} x", "1:13: unexpected text after the top-level object"},
      {"{\"ops\": {\"a\": {\"ms\": 1}", "1:24: expected '}'"},
      {"{\"ops\" {}}", "1:8: expected ':'"},
      {"{\"gpu\": \"abc", "1:13: unterminated string"},
      {"", "1:1: expected '{'"},
      {"{\"ops\": {}, \"x\": .5}", "1:18: expected a number"},
  };
  for (const Case &c : cases) {
    TorchTimes t;
    std::string error;
    EXPECT_FALSE(parseTorchTimes(c.text, t, error)) << c.text;
    EXPECT_EQ(error, c.error) << c.text;
  }
}

TEST(TorchTimes, FileErrorsNameThePath) {
  TorchTimes t;
  std::string error;
  EXPECT_FALSE(readTorchTimes("/nonexistent/torch-ops.json", t, error));
  EXPECT_EQ(error.rfind("/nonexistent/torch-ops.json: cannot open", 0), 0u)
      << error;

  std::string path = ::testing::TempDir() + "torch_times_test.json";
  {
    std::ofstream f(path);
    f << "{\"ops\": {\"bf16/d768/gemm\": {\"ms\": 0.5}},\n\"gpu\": 7}";
  }
  EXPECT_FALSE(readTorchTimes(path, t, error));
  EXPECT_EQ(error, path + ":2:8: expected a string");
  {
    std::ofstream f(path);
    f << "{\"ops\": {\"bf16/d768/gemm\": {\"ms\": 0.5}}}\n";
  }
  ASSERT_TRUE(readTorchTimes(path, t, error)) << error;
  EXPECT_DOUBLE_EQ(t.ms.at("bf16/d768/gemm"), 0.5);
  std::remove(path.c_str());
}

} // namespace
