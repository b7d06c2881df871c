// Executor and host transport: every program shape runs, losses agree across
// strategies (the program.md invariant), mismatched programs and deadlocks are
// reported within the timeout.
#include "error.h"
#include "profile.h"
#include "rendezvous.h"
#include "test_util.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <gtest/gtest.h>
#include <sstream>
#include <thread>

namespace pipert::test {
namespace {

Strategy strategy(std::vector<int> stageRank, Order order, int M = 4, int B = 2,
                  int D = 1) {
  Strategy s;
  s.stageRank = std::move(stageRank);
  s.order = order;
  s.microbatches = M;
  s.batch = B;
  s.dataParallel = D;
  return s;
}

// The reference: one rank running all four stages, 4 micro-batches of 2 (global
// batch 8).
std::vector<double> referenceLosses() {
  return train(makeMlpSpec(strategy({0, 0, 0, 0}, Order::GPipe))).losses;
}

void expectSameLosses(const std::vector<double> &got,
                      const std::vector<double> &want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5 * std::abs(want[i])) << "step " << i + 1;
}

TEST(Executor, OneRankRunsEveryStepOnFreshSamples) {
  std::vector<double> l = referenceLosses();
  ASSERT_EQ(l.size(), 3u);
  for (double v : l)
    EXPECT_TRUE(std::isfinite(v) && v > 0) << v;
  EXPECT_NE(l[0], l[1]); // new samples and new weights each step
}

TEST(Executor, GPipeOnFourRanksMatchesOneRank) {
  expectSameLosses(
      train(makeMlpSpec(strategy({0, 1, 2, 3}, Order::GPipe))).losses,
      referenceLosses());
}

TEST(Executor, OneFOneBOnFourRanksMatchesOneRank) {
  expectSameLosses(
      train(makeMlpSpec(strategy({0, 1, 2, 3}, Order::OneFOneB))).losses,
      referenceLosses());
}

TEST(Executor, TwoContiguousStagesPerRankMatchOneRank) {
  expectSameLosses(
      train(makeMlpSpec(strategy({0, 0, 1, 1}, Order::OneFOneB))).losses,
      referenceLosses());
}

TEST(Executor, InterleavedPlacementMatchesOneRank) {
  // Stage s on rank s mod 2, as interleaved places virtual stages.
  expectSameLosses(
      train(makeMlpSpec(strategy({0, 1, 0, 1}, Order::MbMajor))).losses,
      referenceLosses());
}

TEST(Executor, DataParallelTwoMatchesOneRank) {
  // 2 replicas x 2 micro-batches x 2 samples = the same global batch of 8.
  expectSameLosses(
      train(makeMlpSpec(strategy({0, 1, 2, 3}, Order::OneFOneB, 2, 2, 2)))
          .losses,
      referenceLosses());
}

TEST(Executor, BatchSplitDifferentlyMatchesOneRank) {
  // 8 micro-batches of 1 sample: same samples per step, different micro-batch
  // boundaries.
  expectSameLosses(
      train(makeMlpSpec(strategy({0, 1, 2, 3}, Order::OneFOneB, 8, 1))).losses,
      referenceLosses());
}

TEST(Executor, SeparateWeightGradientActionsMatchOneRank) {
  expectSameLosses(
      train(makeMlpSpec(strategy({0, 0, 0, 0}, Order::ZeroBubbleW))).losses,
      referenceLosses());
  expectSameLosses(
      train(makeMlpSpec(strategy({0, 1, 2, 3}, Order::ZeroBubbleW))).losses,
      referenceLosses());
}

TEST(Executor, TooFewSlotsIsAnErrorNamingTheStage) {
  Strategy s = strategy({0, 0, 0, 0}, Order::GPipe);
  s.slots = 2; // gpipe keeps all 4 micro-batches alive
  try {
    train(makeMlpSpec(s));
    FAIL() << "expected an error";
  } catch (const RuntimeError &e) {
    EXPECT_NE(std::string(e.what()).find(
                  "stage 0 needs more than its 2 activation slots"),
              std::string::npos)
        << e.what();
  }
}

TEST(Executor, OneFOneBNeedsOnlyItsPeakSlots) {
  // 1F1B on 4 ranks keeps ranks - rank micro-batches alive after a forward;
  // ranks 1..3 also receive the next activation in the group that sends the
  // last gradient, while that slot is still live: peaks 4, 3 + 1, 2 + 1, 1 + 1.
  ModelSpec spec = makeMlpSpec(strategy({0, 1, 2, 3}, Order::OneFOneB, 8, 1));
  std::vector<int> peak = {4, 4, 3, 2};
  for (int s = 0; s < 4; ++s)
    spec.stages[s].slots = peak[s];
  EXPECT_EQ(train(spec).losses.size(), 3u);
  spec.stages[2].slots = 2; // one fewer than its peak
  EXPECT_THROW(train(spec), RuntimeError);
}

TEST(Transport, MismatchedMicroBatchNamesBothRanks) {
  ModelSpec spec = makeMlpSpec(strategy({0, 1, 2, 3}, Order::GPipe));
  // Rank 1 expects micro-batch 1 first where rank 0 sends micro-batch 0.
  for (Action &a : spec.programs[1])
    if (a.kind == ActionKind::RecvAct && a.mb < 2)
      a.mb = 1 - a.mb;
  Options o;
  o.timeoutSeconds = 10;
  auto start = std::chrono::steady_clock::now();
  try {
    train(spec, o);
    FAIL() << "expected an error";
  } catch (const RuntimeError &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("rank 1: RecvAct(stage 1, mb 1) from rank 0"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("sent stage 0, mb 0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("ranks 0 and 1 disagree"), std::string::npos) << msg;
  }
  EXPECT_LT(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count(),
      10);
}

TEST(Transport, MissingReceiveTimesOutInsteadOfHanging) {
  ModelSpec spec = makeMlpSpec(strategy({0, 1, 2, 3}, Order::GPipe));
  // Rank 2 forgets its last gradient receive: rank 3's send can never complete.
  auto &p = spec.programs[2];
  for (size_t i = p.size(); i-- > 0;)
    if (p[i].kind == ActionKind::RecvGrad) {
      p.erase(p.begin() + i);
      break;
    }
  Options o;
  o.timeoutSeconds = 0.5;
  auto start = std::chrono::steady_clock::now();
  try {
    train(spec, o);
    FAIL() << "expected an error";
  } catch (const RuntimeError &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("timed out after 0.5 s"), std::string::npos) << msg;
    EXPECT_EQ(msg.rfind("rank ", 0), 0u) << msg;
  }
  EXPECT_LT(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count(),
      5);
}

TEST(Transport, ProgramActionOnAnotherRanksStageIsRejected) {
  ModelSpec spec = makeMlpSpec(strategy({0, 1, 2, 3}, Order::GPipe));
  spec.programs[0].push_back({ActionKind::F, 2, 0, -1});
  try {
    train(spec);
    FAIL() << "expected an error";
  } catch (const RuntimeError &e) {
    EXPECT_NE(std::string(e.what()).find("does not belong to this rank"),
              std::string::npos);
  }
}

// What --profile writes as send_us: the exchange's time once both sides have
// posted. The receiver waits 200 ms for a late sender; neither side's figure
// may include that wait, and a 4-byte copy takes far less than 100 ms.
TEST(Transport, ExchangeTimeExcludesTheWaitForThePeer) {
  Rendezvous hub(2, 1, 10);
  HostCopyEngine engine;
  float from = 1.5f, to = 0;
  double recvSeconds = -1, sendSeconds = -1, recvWall = 0;
  auto start = std::chrono::steady_clock::now();
  std::thread receiver([&] {
    recvSeconds = hub.exchange(
        1, 0, {Transfer{false, Direction::Act, 0, 1, 0, &to, 4}}, engine);
    recvWall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  sendSeconds = hub.exchange(
      0, 0, {Transfer{true, Direction::Act, 1, 0, 0, &from, 4}}, engine);
  receiver.join();
  EXPECT_EQ(to, 1.5f);
  EXPECT_GE(recvWall, 0.2);
  EXPECT_GE(recvSeconds, 0.0);
  EXPECT_LT(recvSeconds, 0.1);
  EXPECT_GE(sendSeconds, 0.0);
  EXPECT_LT(sendSeconds, 0.1);
}

// The plan's sends occupy no rank: posting one returns before any receiver
// arrives, and the send completes when the receiver (200 ms later) takes it.
TEST(Transport, APostedSendDoesNotWaitForTheReceiver) {
  Rendezvous hub(2, 1, 10);
  HostCopyEngine senderEngine, receiverEngine;
  float from = 2.5f, to = 0;
  PostedSend send{0, 0, &from, 4, 1, Direction::Act};
  auto start = std::chrono::steady_clock::now();
  hub.post(0, 0, {&send}, {}, senderEngine);
  double posted =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_LT(posted, 0.1);
  EXPECT_FALSE(hub.consumed(send));
  std::thread receiver([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    PostedRecv recv{Transfer{false, Direction::Act, 0, 1, 0, &to, 4}};
    hub.post(1, 0, {}, {&recv}, receiverEngine);
    hub.wait(1, 0, recv, receiverEngine);
    EXPECT_TRUE(recv.done);
    EXPECT_LT(recv.us, 1e5); // the copy, not the 200 ms before it
  });
  hub.wait(0, 0, send, senderEngine);
  receiver.join();
  EXPECT_TRUE(hub.consumed(send));
  EXPECT_EQ(to, 2.5f);
}

// Receives posted early complete in channel order while their worker waits
// for a later one, so a receive posted at a program position never holds up
// the compute before the action that reads it.
TEST(Transport, EarlyReceivesAreFilledInOrderWhileWaiting) {
  Rendezvous hub(2, 1, 10);
  HostCopyEngine senderEngine, receiverEngine;
  float from[2] = {1, 2}, to[2] = {0, 0};
  PostedRecv first{Transfer{false, Direction::Act, 0, 1, 0, &to[0], 4}};
  PostedRecv second{Transfer{false, Direction::Act, 0, 1, 1, &to[1], 4}};
  hub.post(1, 0, {}, {&first, &second}, receiverEngine);
  EXPECT_FALSE(first.done);
  std::thread sender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    PostedSend s0{0, 0, &from[0], 4, 1, Direction::Act};
    PostedSend s1{0, 1, &from[1], 4, 1, Direction::Act};
    hub.post(0, 0, {&s0, &s1}, {}, senderEngine);
    hub.wait(0, 0, s0, senderEngine);
    hub.wait(0, 0, s1, senderEngine);
  });
  hub.wait(1, 0, second, receiverEngine);
  sender.join();
  EXPECT_TRUE(first.done);
  EXPECT_EQ(to[0], 1.0f);
  EXPECT_EQ(to[1], 2.0f);
}

// A copy that fails on the receiver (on cuda: any CUDA error in it) ends the
// exchange on both sides: the receiver gets the error, and the sender, taking
// its send back as a leaving worker does, is not left waiting on the copy.
TEST(Transport, AFailedCopyReleasesTheSender) {
  struct FailingCopy final : CopyEngine {
    void copy(PostedSend &, const Transfer &) override {
      throw RuntimeError("copy failed");
    }
  };
  Rendezvous hub(2, 1, 10);
  HostCopyEngine senderEngine;
  FailingCopy receiverEngine;
  float from = 1, to = 0;
  PostedSend send{0, 0, &from, 4, 1, Direction::Act};
  hub.post(0, 0, {&send}, {}, senderEngine);
  PostedRecv recv{Transfer{false, Direction::Act, 0, 1, 0, &to, 4}};
  EXPECT_THROW(hub.post(1, 0, {}, {&recv}, receiverEngine), RuntimeError);
  EXPECT_TRUE(hub.aborted());
  auto retracted = std::async(std::launch::async, [&] {
    hub.retract(0, 0, {&send}, {}, senderEngine);
  });
  if (retracted.wait_for(std::chrono::seconds(10)) !=
      std::future_status::ready) {
    ADD_FAILURE() << "the sender's retract is still waiting for the copy";
    std::_Exit(1); // the waiting thread cannot be joined
  }
}

// A cut the run crossed gets the mean of its measured receives; a cut it did
// not cross gets bytes / bandwidth; the last cell gets 0.
TEST(Profile, SendTimeIsMeasuredWhereTheRunCrossedTheCut) {
  ModelSpec spec;
  spec.cellCutBytes = {1000, 3000, 0};
  CellProfile profile(3);
  for (int c = 0; c < 3; ++c)
    profile.add(c, ActionKind::F, 10);
  profile.addSend(0, 40);
  profile.addSend(0, 60);
  TempDir dir;
  writeProfile(dir.file("p.json"), spec, profile, 1e9); // 1 GB/s: 1 us/KB
  std::ifstream in(dir.file("p.json"));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string json = ss.str();
  EXPECT_NE(json.find("\"send_us\": 50.000}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"send_us\": 3.000}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"send_us\": 0.000}"), std::string::npos) << json;
}

} // namespace
} // namespace pipert::test
