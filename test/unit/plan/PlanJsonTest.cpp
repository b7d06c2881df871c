//===- PlanJsonTest.cpp - The plan object's keys and values --------------===//
#include "GTest.h"

#include <cstdlib>

#include "pipe/Plan/PlanJson.h"

using namespace pipe::plan;

namespace {

PlanInfo samplePlan() {
  PlanInfo p;
  p.model = "gpt";
  p.ranks = 2;
  p.virtualStages = 1;
  p.microbatches = 2;
  p.batch = 4;
  p.schedule = "1f1b";
  p.partition = "balanced";
  p.deviceName = "h100";
  p.deviceMemoryBytes = 85899345920;
  CellCost c;
  c.name = "x = embedding(...)";
  c.loc = "gpt.pipe:13:3";
  c.fwdUs = 1.23456;
  c.paramBytes = 10;
  c.actBytes = 20;
  c.outBytes = 30;
  p.cells = {c, c};
  Stage s0{0, 0, 1, 1.0, 2.0, 3.0, 0.5, 10, 100, 20, 0};
  Stage s1{1, 1, 2, 1.0, 2.0, 3.0, 0.0, 10, 100, 20, 30};
  p.stages = {s0, s1};
  p.rankBytes = {1000, 2000};
  Action f{Action::F, 0, 1, -1}, send{Action::SendAct, 0, 1, 1},
      b{Action::B, 0, 1, -1};
  p.programs = {{f, send, b}, {}};
  p.simulation.makespanUs = 12.5;
  p.simulation.bubble = 0.25;
  p.simulation.peakBytes = {7, 8};
  return p;
}

TEST(PlanJson, HasExactlyTheSpecKeys) {
  llvm::json::Value v = planToJson(samplePlan());
  const llvm::json::Object *o = v.getAsObject();
  ASSERT_TRUE(o);
  std::vector<std::string> keys;
  for (const auto &kv : *o)
    keys.push_back(kv.first.str());
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys,
            (std::vector<std::string>{
                "batch", "cells", "data_parallel", "device", "memory_backend",
                "microbatches",
                "model", "partition", "programs", "ranks", "schedule",
                "simulation", "stage_list", "stages", "version", "virtual"}));
  EXPECT_EQ(o->getInteger("version"), 1);
  EXPECT_EQ(o->getInteger("stages"), 2);
  EXPECT_EQ(o->getObject("device")->getInteger("memory_bytes"), 85899345920);
  const llvm::json::Object *cell = (*o->getArray("cells"))[0].getAsObject();
  // The value computed with, not rounded (pipec.md: exact plan numbers).
  EXPECT_EQ(cell->getNumber("fwd_us"), 1.23456);
  EXPECT_EQ(cell->getString("loc"), "gpt.pipe:13:3");
  EXPECT_EQ(cell->getInteger("out_bytes"), 30);
  const llvm::json::Object *stage =
      (*o->getArray("stage_list"))[0].getAsObject();
  EXPECT_EQ(stage->getNumber("send_us"), 0.5);
  const llvm::json::Array *range = stage->getArray("cells");
  EXPECT_EQ((*range)[0].getAsInteger(), 0);
  EXPECT_EQ((*range)[1].getAsInteger(), 1);
  // Programs hold compute actions only.
  const llvm::json::Array *rank0 = (*o->getArray("programs"))[0].getAsArray();
  ASSERT_EQ(rank0->size(), 2u);
  EXPECT_EQ((*rank0)[1].getAsObject()->getString("op"), "B");
  EXPECT_EQ((*rank0)[1].getAsObject()->getInteger("mb"), 1);
  const llvm::json::Object *sim = o->getObject("simulation");
  EXPECT_EQ(sim->getNumber("bubble"), 0.25);
  EXPECT_EQ(sim->getArray("peak_bytes")->size(), 2u);
}

TEST(PlanJson, SummaryHasARowPerStageWithItsShare) {
  PlanInfo p = samplePlan();
  p.stages[1].fwdUs = 4.0; // stage 1: 9 us, the bottleneck; stage 0: 6 us
  std::string s;
  llvm::raw_string_ostream os(s);
  printPlanSummary(os, p);
  EXPECT_NE(s.find("66.7%"), std::string::npos) << s;
  EXPECT_NE(s.find("100.0%"), std::string::npos) << s;
  EXPECT_NE(s.find("[1, 2)"), std::string::npos) << s;
  EXPECT_NE(s.find("rank 1:"), std::string::npos) << s;
}

} // namespace

TEST(PlanJson, PrintedNumbersReadBackExactly) {
  // Shortest round-trip text: what is printed parses to the same double.
  for (double v : {40.998, 0.1 + 0.2, 1.0 / 3.0, 6349.903498935037, 1e-300,
                   123456789.125, 5e-324}) {
    std::string text = formatExactDouble(v);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
  EXPECT_EQ(formatExactDouble(40.998), "40.998");
  EXPECT_EQ(formatExactDouble(0.5), "0.5");
}

TEST(PlanJson, StreamedTextIsWhatPrintJsonPrints) {
  // writePlanJson builds no json::Value; it must still print what printJson
  // prints for the same object: sorted keys, integral doubles as integers,
  // others exact, and llvm::json's escaping of quotes, control characters
  // and non-ASCII text.
  PlanInfo p = samplePlan();
  p.model = "g\xc3\xa9pt \"q\"\n\t\x01";
  p.cells[1].name = "y = \\ \xe2\x82\xac";
  p.cells[1].fwdUs = 930.0;
  p.cells[1].bwdUs = 0.1 + 0.2;
  p.simulation.makespanUs = 1e-300;
  std::string streamed, printed;
  llvm::raw_string_ostream a(streamed), b(printed);
  writePlanJson(a, p);
  printJson(b, planToJson(p));
  EXPECT_EQ(streamed, printed);
  EXPECT_NE(streamed.find("\"fwd_us\": 930,"), std::string::npos);
  EXPECT_NE(streamed.find("0.30000000000000004"), std::string::npos);
  EXPECT_NE(streamed.find("\\u0001"), std::string::npos);
}
