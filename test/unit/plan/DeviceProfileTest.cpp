//===- DeviceProfileTest.cpp - Built-in and user profiles; --profile -----===//
#include "GTest.h"

#include "pipe/Plan/DeviceProfile.h"
#include "pipe/Plan/MeasuredProfile.h"

#include "llvm/Support/raw_ostream.h"
#include <cstdio>

using namespace pipe::plan;

namespace {

constexpr int64_t GiB = int64_t(1) << 30;

std::string errorText(llvm::Error err) {
  return llvm::toString(std::move(err));
}

TEST(DeviceProfile, BuiltinsCarryTheDatasheetFigures) {
  llvm::Expected<DeviceProfile> h100 = builtinDeviceProfile("h100");
  ASSERT_TRUE(bool(h100)) << errorText(h100.takeError());
  EXPECT_EQ(h100->memoryBytes, 80 * GiB); // pipec.md's 85899345920
  EXPECT_EQ(h100->peakBf16, 989e12);
  EXPECT_EQ(h100->peakTf32, 495e12);
  EXPECT_EQ(h100->peakFp32, 67e12);
  EXPECT_EQ(h100->memoryBandwidth, 3350e9);
  EXPECT_EQ(h100->linkBandwidth, 450e9);
  llvm::Expected<DeviceProfile> h200 = builtinDeviceProfile("h200");
  ASSERT_TRUE(bool(h200));
  EXPECT_EQ(h200->memoryBytes, 141 * GiB);
  EXPECT_EQ(h200->memoryBandwidth, 4800e9);
  EXPECT_EQ(h200->peakBf16, 989e12);
  llvm::Expected<DeviceProfile> a100 = builtinDeviceProfile("a100");
  ASSERT_TRUE(bool(a100));
  EXPECT_EQ(a100->peakBf16, 312e12);
  EXPECT_EQ(a100->peakTf32, 156e12);
  EXPECT_EQ(a100->peakFp32, 19.5e12);
  EXPECT_EQ(a100->linkBandwidth, 300e9);
  llvm::Expected<DeviceProfile> cpu = builtinDeviceProfile("cpu");
  ASSERT_TRUE(bool(cpu));
  EXPECT_EQ(cpu->memoryBytes, 24 * GiB);
  EXPECT_FALSE(cpu->bf16Storage);
  EXPECT_EQ(cpu->floatBytes(Precision::BF16), 4);
  EXPECT_EQ(h100->floatBytes(Precision::BF16), 2);
  EXPECT_EQ(builtinDeviceProfileNames().size(), 4u);
}

TEST(DeviceProfile, UnknownBuiltin) {
  llvm::Expected<DeviceProfile> p = builtinDeviceProfile("tpu");
  ASSERT_FALSE(bool(p));
  EXPECT_NE(errorText(p.takeError()).find("unknown device 'tpu'"),
            std::string::npos);
}

const char *kGood = R"({"name": "x", "memory_bytes": 1024,
  "peak_tflops": {"bf16": 2, "tf32": 1, "fp32": 0.5},
  "memory_bandwidth_gbps": 100, "bf16_storage": true,
  "efficiency": {"matmul": 0.5, "elementwise": 1},
  "link_bandwidth_gbps": 10, "link_latency_us": 3, "kernel_launch_us": 1})";

TEST(DeviceProfile, ParsesAUserProfile) {
  llvm::Expected<DeviceProfile> p = parseDeviceProfile(kGood, "p.json");
  ASSERT_TRUE(bool(p)) << errorText(p.takeError());
  EXPECT_EQ(p->memoryBytes, 1024);
  EXPECT_EQ(p->peakFp32, 0.5e12);
  // 1e6 bytes over 10 GB/s = 100 us, + 3 us latency.
  EXPECT_DOUBLE_EQ(p->sendUs(1000000), 103.0);
  EXPECT_EQ(p->sendUs(0), 0.0);
}

/// The message when `from` in kGood is replaced by `to`.
std::string errorWith(const std::string &from, const std::string &to) {
  std::string text = kGood;
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  llvm::Expected<DeviceProfile> p = parseDeviceProfile(text, "p.json");
  if (p)
    return "";
  return errorText(p.takeError());
}

TEST(DeviceProfile, ErrorsNameTheField) {
  EXPECT_EQ(errorWith(R"("tf32": 1, )", ""),
            "p.json: field 'peak_tflops.tf32' is missing");
  EXPECT_EQ(errorWith(R"("memory_bytes": 1024)", R"("memory_bytes": "lots")"),
            "p.json: field 'memory_bytes' must be a positive integer");
  EXPECT_EQ(errorWith(R"("memory_bytes": 1024)", R"("memory_bytes": 1.5)"),
            "p.json: field 'memory_bytes' must be a positive integer");
  EXPECT_EQ(errorWith(R"("matmul": 0.5)", R"("matmul": 1.5)"),
            "p.json: field 'efficiency.matmul' must be in (0, 1]");
  EXPECT_EQ(errorWith(R"("bf16_storage": true)", R"("bf16_storage": 1)"),
            "p.json: field 'bf16_storage' must be true or false");
  EXPECT_EQ(errorWith(R"("link_latency_us": 3)", R"("link_latency_us": -3)"),
            "p.json: field 'link_latency_us' must be a non-negative number");
  EXPECT_EQ(errorWith(R"({"bf16": 2, "tf32": 1, "fp32": 0.5})", "7"),
            "p.json: field 'peak_tflops' must be an object");
  EXPECT_NE(errorWith(R"("name": "x",)", R"("name": "x")").find("invalid JSON"),
            std::string::npos);
}

TEST(DeviceProfile, FileLoader) {
  std::string path = ::testing::TempDir() + "/pipe_profile_test.json";
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(path, ec);
    ASSERT_FALSE(ec) << ec.message();
    out << kGood;
  }
  llvm::Expected<DeviceProfile> p = loadDeviceProfileFile(path);
  ASSERT_TRUE(bool(p)) << errorText(p.takeError());
  EXPECT_EQ(p->name, "x");
  std::remove(path.c_str());
  llvm::Expected<DeviceProfile> missing = loadDeviceProfileFile(path);
  ASSERT_FALSE(bool(missing));
  EXPECT_NE(errorText(missing.takeError()).find("cannot read device profile"),
            std::string::npos);
}

std::vector<CellCost> twoCells() {
  std::vector<CellCost> cells(2);
  cells[0].fwdUs = 1;
  cells[0].stateBytes = 100;
  return cells;
}

TEST(MeasuredProfile, ReplacesTheTimes) {
  std::vector<CellCost> cells = twoCells();
  llvm::Error err = applyMeasuredProfile(
      R"({"cells": [{"fwd_us": 18.5, "bwd_us": 18.1, "wgrad_us": 9.3, "send_us": 0.6},
                    {"fwd_us": 1, "bwd_us": 2, "wgrad_us": 3, "send_us": 0}]})",
      "p.json", cells);
  ASSERT_FALSE(bool(err)) << errorText(std::move(err));
  EXPECT_EQ(cells[0].fwdUs, 18.5);
  EXPECT_EQ(cells[0].bwdUs, 18.1);
  EXPECT_EQ(cells[0].wgradUs, 9.3);
  EXPECT_EQ(cells[0].sendUs, 0.6);
  EXPECT_EQ(cells[1].wgradUs, 3);
  EXPECT_EQ(cells[0].stateBytes, 100); // memory stays estimated
}

std::string profileError(const char *text) {
  std::vector<CellCost> cells = twoCells();
  llvm::Error err = applyMeasuredProfile(text, "p.json", cells);
  EXPECT_EQ(cells[0].fwdUs, 1) << "cells must be unchanged on error";
  return err ? errorText(std::move(err)) : "";
}

TEST(MeasuredProfile, Errors) {
  EXPECT_EQ(profileError(R"({"cells": [{"fwd_us": 1, "bwd_us": 1,
                             "wgrad_us": 1, "send_us": 1}]})"),
            "p.json has 1 cells, the model has 2");
  EXPECT_EQ(profileError(R"({"cells": [{"fwd_us": 1, "bwd_us": 1,
      "wgrad_us": 1, "send_us": 1}, {"fwd_us": 1, "bwd_us": 1, "send_us": 1}]})"),
            "p.json: cell 1: field 'wgrad_us' is missing");
  EXPECT_EQ(profileError(R"({"cells": [{"fwd_us": -1, "bwd_us": 1,
      "wgrad_us": 1, "send_us": 1}, {"fwd_us": 1, "bwd_us": 1, "wgrad_us": 1,
      "send_us": 1}]})"),
            "p.json: cell 0: field 'fwd_us' must be a non-negative number");
  EXPECT_EQ(profileError(R"({"stages": []})"),
            "p.json: expected an object with a \"cells\" array");
  EXPECT_NE(profileError("{").find("invalid JSON"), std::string::npos);
}

} // namespace
