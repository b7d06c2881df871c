//===- TimelineTraceTest.cpp - Hand-checked timelines; valid traces -----===//
#include "GTest.h"

#include "ScheduleTestUtil.h"
#include "pipe/Plan/Timeline.h"
#include "pipe/Plan/Trace.h"

#include <map>
#include <set>

using namespace pipe::plan;
using namespace pipe::plan::test;

// gpipe, p = 2, m = 2, F = B = 1, free sends. By hand:
//   rank 0: F0 [0,1] F1 [1,2] idle [2,4] B0 [4,5] B1 [5,6]
//   rank 1: idle [0,1] F0 [1,2] F1 [2,3] B0 [3,4] B1 [4,5] idle [5,6]
// One time unit (the shortest action) is 3 columns ("F0" + a space).
TEST(Timeline, GPipeTwoRanksByHand) {
  // A 256-byte slot per micro-batch: gpipe holds both, 512 bytes per rank.
  auto stages = equalStages(ScheduleKind::GPipe, 2, 1, 1, 1, 0, 0, 256);
  Simulation sim = run(ScheduleKind::GPipe, 2, 1, 2, stages);
  EXPECT_EQ(renderTimelineRow(sim, stages, 0), "F0 F1 ......B0 B1 ");
  EXPECT_EQ(renderTimelineRow(sim, stages, 1), "...F0 F1 B0 B1 ...");
  std::string text = renderTimeline(sim, stages);
  EXPECT_NE(text.find("rank 0 |F0 F1 ......B0 B1 |\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("makespan 6.000 us, bubble 33.33%"), std::string::npos)
      << text;
  EXPECT_NE(text.find("rank 1 peak memory 512 bytes"), std::string::npos)
      << text;
}

// 1f1b, p = 2, m = 3, F = 1, B = 2. By hand:
//   rank 0: F0 [0,1] F1 [1,2] idle [2,4] B0 [4,6] F2 [6,7] B1 [7,9]
//           idle [9,10] B2 [10,12]
//   rank 1: idle [0,1] F0 [1,2] B0 [2,4] F1 [4,5] B1 [5,7] F2 [7,8]
//           B2 [8,10] idle [10,12]
TEST(Timeline, OneFOneBTwoRanksByHand) {
  auto stages = equalStages(ScheduleKind::OneFOneB, 2, 1, 1, 2, 0);
  Simulation sim = run(ScheduleKind::OneFOneB, 2, 1, 3, stages);
  EXPECT_EQ(renderTimelineRow(sim, stages, 0),
            "F0 F1 ......B0    F2 B1    ...B2    ");
  EXPECT_EQ(renderTimelineRow(sim, stages, 1),
            "...F0 B0    F1 B1    F2 B2    ......");
  EXPECT_NEAR(sim.bubble, 0.25, 1e-12);
}

TEST(Timeline, ChunksArePrimed) {
  auto stages = equalStages(ScheduleKind::Interleaved, 2, 2, 1, 1, 0);
  EXPECT_EQ(timelineLabel({Action::F, 3, 5, -1}, stages), "F5'");
  EXPECT_EQ(timelineLabel({Action::B, 1, 0, -1}, stages), "B0");
  auto v = equalStages(ScheduleKind::ZBV, 2, 2, 1, 1, 1);
  EXPECT_EQ(timelineLabel({Action::W, 2, 7, -1}, v), "W7'"); // stage 2: rank 1
}

TEST(Trace, ValidJsonOneTrackPerRankAndAFlowPerTransfer) {
  const int p = 3, m = 4;
  auto stages = equalStages(ScheduleKind::OneFOneB, p, 1, 1, 2, 0, 0.1);
  Simulation sim = run(ScheduleKind::OneFOneB, p, 1, m, stages);
  std::string text = renderTrace(sim, stages);
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  const llvm::json::Array *events =
      parsed->getAsObject()->getArray("traceEvents");
  ASSERT_TRUE(events);
  std::set<int64_t> threads, sliceTids;
  int slices = 0;
  std::map<int64_t, int> flowStarts, flowEnds;
  for (const llvm::json::Value &v : *events) {
    const llvm::json::Object *e = v.getAsObject();
    ASSERT_TRUE(e);
    llvm::StringRef ph = *e->getString("ph");
    if (ph == "M" && *e->getString("name") == "thread_name")
      threads.insert(*e->getInteger("tid"));
    if (ph == "X") {
      ++slices;
      sliceTids.insert(*e->getInteger("tid"));
      const llvm::json::Object *args = e->getObject("args");
      ASSERT_TRUE(args && args->getInteger("stage") && args->getInteger("mb"));
      EXPECT_GE(*e->getNumber("dur"), 0);
    }
    if (ph == "s")
      ++flowStarts[*e->getInteger("id")];
    if (ph == "f") {
      ++flowEnds[*e->getInteger("id")];
      EXPECT_EQ(*e->getString("bp"), "e");
    }
  }
  EXPECT_EQ(threads, (std::set<int64_t>{0, 1, 2}));
  EXPECT_EQ(sliceTids, threads);
  EXPECT_EQ(slices, 2 * p * m); // one F and one B per (stage, mb)
  // (p - 1) boundaries x m micro-batches x {activation, gradient}.
  EXPECT_EQ(flowStarts.size(), size_t(2 * (p - 1) * m));
  EXPECT_EQ(flowStarts, flowEnds);
}

// gpipe, p = 2, m = 1, F = B = 1.5, free sends. By hand: rank 0 F [0,1.5],
// B [4.5,6]; rank 1 F [1.5,3], B [3,4.5]; makespan 6, busy 6 of 12, bubble
// 0.5. The text, byte for byte: keys sorted as JSON printers sort them,
// integral numbers as integers, an arrow's ends at its slices' midpoints.
TEST(Trace, ExactTextOfATwoRankStep) {
  auto stages = equalStages(ScheduleKind::GPipe, 2, 1, 1.5, 1.5, 0);
  Simulation sim = run(ScheduleKind::GPipe, 2, 1, 1, stages);
  auto slice = [](const char *kind, int stage, int tid, const char *dur,
                  const char *ts) {
    return std::string("{\"args\":{\"mb\":0,\"stage\":") +
           std::to_string(stage) + "},\"cat\":\"" + kind + "\",\"dur\":" + dur +
           ",\"name\":\"" + kind + " s" + std::to_string(stage) +
           " mb0\",\"ph\":\"X\",\"pid\":0,\"tid\":" + std::to_string(tid) +
           ",\"ts\":" + ts + "},\n";
  };
  std::string expected =
      "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"bubble\":0.5,"
      "\"makespan_us\":6},\"traceEvents\":[\n"
      "{\"args\":{\"name\":\"pipec step\"},\"name\":\"process_name\","
      "\"ph\":\"M\",\"pid\":0},\n"
      "{\"args\":{\"name\":\"rank 0\"},\"name\":\"thread_name\",\"ph\":\"M\","
      "\"pid\":0,\"tid\":0},\n"
      "{\"args\":{\"sort_index\":0},\"name\":\"thread_sort_index\","
      "\"ph\":\"M\",\"pid\":0,\"tid\":0},\n"
      "{\"args\":{\"name\":\"rank 1\"},\"name\":\"thread_name\",\"ph\":\"M\","
      "\"pid\":0,\"tid\":1},\n"
      "{\"args\":{\"sort_index\":1},\"name\":\"thread_sort_index\","
      "\"ph\":\"M\",\"pid\":0,\"tid\":1},\n" +
      slice("F", 0, 0, "1.5", "0") + slice("B", 0, 0, "1.5", "4.5") +
      slice("F", 1, 1, "1.5", "1.5") + slice("B", 1, 1, "1.5", "3") +
      "{\"cat\":\"transfer\",\"id\":1,\"name\":\"activation\",\"ph\":\"s\","
      "\"pid\":0,\"tid\":0,\"ts\":0.75},\n"
      "{\"bp\":\"e\",\"cat\":\"transfer\",\"id\":1,\"name\":\"activation\","
      "\"ph\":\"f\",\"pid\":0,\"tid\":1,\"ts\":2.25},\n"
      "{\"cat\":\"transfer\",\"id\":2,\"name\":\"gradient\",\"ph\":\"s\","
      "\"pid\":0,\"tid\":1,\"ts\":3.75},\n"
      "{\"bp\":\"e\",\"cat\":\"transfer\",\"id\":2,\"name\":\"gradient\","
      "\"ph\":\"f\",\"pid\":0,\"tid\":0,\"ts\":5.25}\n"
      "]}\n\n";
  EXPECT_EQ(renderTrace(sim, stages), expected);
}
