//===- ScheduleVerifyTest.cpp - Every build verifies; broken ones do not ===//
#include "GTest.h"

#include "ScheduleTestUtil.h"

using namespace pipe::plan;
using namespace pipe::plan::test;

namespace {
struct KindV {
  ScheduleKind kind;
  std::vector<int> virtuals;
};
} // namespace

TEST(ScheduleVerify, EveryBuiltScheduleVerifiesAndRuns) {
  const KindV kinds[] = {{ScheduleKind::GPipe, {1}},
                         {ScheduleKind::OneFOneB, {1}},
                         {ScheduleKind::Interleaved, {2, 3, 4}},
                         {ScheduleKind::ZBH1, {1}},
                         {ScheduleKind::ZBH2, {1}},
                         {ScheduleKind::ZBV, {2}}};
  for (const KindV &kv : kinds)
    for (int v : kv.virtuals)
      for (int p = 1; p <= 7; ++p)
        for (int m = 1; m <= 13; ++m) {
          std::vector<int> placement = stagePlacement(kv.kind, p, v);
          auto programs = buildSchedule(kv.kind, p, v, m, placement);
          auto err =
              verifySchedule(programs, placement, scheduleHasW(kv.kind), m);
          EXPECT_FALSE(err) << scheduleName(kv.kind) << " p=" << p << " v=" << v
                            << " m=" << m << ": " << (err ? err->message : "");
          auto stages = equalStages(kv.kind, p, v, 1, 2, 1, 0.25);
          EXPECT_TRUE(
              simulate(programs, stages, scheduleHasW(kv.kind)).complete);
        }
}

// A hand-written 2-rank, 2-stage, 1-micro-batch program set. Every action
// names the stage on its own rank: rank 0's RecvGrad feeds B(0,0), rank 1's
// RecvAct feeds F(1,0).
static std::vector<RankProgram> twoRankProgram() {
  return {{{Action::F, 0, 0, -1},
           {Action::SendAct, 0, 0, 1},
           {Action::RecvGrad, 0, 0, 1},
           {Action::B, 0, 0, -1}},
          {{Action::RecvAct, 1, 0, 0},
           {Action::F, 1, 0, -1},
           {Action::B, 1, 0, -1},
           {Action::SendGrad, 1, 0, 0}}};
}
static const std::vector<int> kTwoRanks = {0, 1};

TEST(ScheduleVerify, HandWrittenGoodProgramPasses) {
  EXPECT_FALSE(verifySchedule(twoRankProgram(), kTwoRanks, false, 1));
}

TEST(ScheduleVerify, MissingActionIsReported) {
  auto programs = twoRankProgram();
  programs[1].erase(programs[1].begin() + 2); // drop B(1,0)
  auto err = verifySchedule(programs, kTwoRanks, false, 1);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ScheduleError::Missing);
  EXPECT_EQ(err->rank, 1);
  EXPECT_NE(err->message.find("B(1,0)"), std::string::npos) << err->message;
}

TEST(ScheduleVerify, WrongRankIsReported) {
  auto programs = twoRankProgram();
  programs[0].push_back({Action::W, 1, 0, -1});
  // W with hasW: W(1,0) belongs on rank 1.
  auto err = verifySchedule(programs, kTwoRanks, true, 1);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ScheduleError::WrongRank);
  EXPECT_EQ(err->rank, 0);
  EXPECT_EQ(err->position, 4);
}

TEST(ScheduleVerify, DuplicateIsReported) {
  auto programs = twoRankProgram();
  programs[0].insert(programs[0].begin() + 1, {Action::F, 0, 0, -1});
  auto err = verifySchedule(programs, kTwoRanks, false, 1);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ScheduleError::Duplicate);
  EXPECT_EQ(err->rank, 0);
  EXPECT_EQ(err->position, 1);
}

TEST(ScheduleVerify, BackwardBeforeForwardIsReported) {
  auto programs = twoRankProgram();
  std::swap(programs[1][1], programs[1][2]); // B(1,0) before F(1,0)
  auto err = verifySchedule(programs, kTwoRanks, false, 1);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ScheduleError::Order);
  EXPECT_EQ(err->rank, 1);
}

TEST(ScheduleVerify, FifoMismatchIsReported) {
  // Two micro-batches, rank 1 receives them in the other order.
  auto programs = buildSchedule(ScheduleKind::GPipe, 2, 1, 2, {0, 1});
  // rank 1: RecvAct(1,0) F(1,0) RecvAct(1,1) F(1,1) ... swap the receives'
  // micro-batches together with the forwards (still F after its receive).
  RankProgram &r1 = programs[1];
  ASSERT_EQ(r1[0].kind, Action::RecvAct);
  ASSERT_EQ(r1[2].kind, Action::RecvAct);
  std::swap(r1[0].mb, r1[2].mb);
  std::swap(r1[1].mb, r1[3].mb);
  auto err = verifySchedule(programs, {0, 1}, false, 2);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ScheduleError::Mismatch);
  EXPECT_EQ(err->rank, 1);
  EXPECT_EQ(err->position, 0);
}

// Three micro-batches, split backward. Rank 0 sends act(0,1) and only in a
// later group receives grad(1,0); rank 1 sends grad(1,0) and only in a later
// group receives act(0,1). Buffered sends would pass; rendezvous groups wait
// on each other forever.
static Action a(Action::Kind k, int s, int mb, int peer = -1) {
  return Action{k, s, mb, peer};
}
using K = Action;

TEST(ScheduleVerify, SwappedSendOrderIsAWaitCycle) {
  std::vector<RankProgram> programs = {
      {a(K::F, 0, 0), a(K::SendAct, 0, 0, 1), a(K::F, 0, 1),
       a(K::SendAct, 0, 1, 1), // position 3: alone, needs RecvAct(1,1)
       a(K::F, 0, 2), a(K::SendAct, 0, 2, 1), a(K::RecvGrad, 0, 0, 1),
       a(K::B, 0, 0), a(K::W, 0, 0), a(K::RecvGrad, 0, 1, 1), a(K::B, 0, 1),
       a(K::W, 0, 1), a(K::RecvGrad, 0, 2, 1), a(K::B, 0, 2), a(K::W, 0, 2)},
      {a(K::RecvAct, 1, 0, 0), a(K::F, 1, 0), a(K::B, 1, 0),
       a(K::SendGrad, 1, 0, 0), // position 3: alone, needs RecvGrad(0,0)
       a(K::W, 1, 0), a(K::RecvAct, 1, 1, 0), a(K::F, 1, 1), a(K::B, 1, 1),
       a(K::SendGrad, 1, 1, 0), a(K::W, 1, 1), a(K::RecvAct, 1, 2, 0),
       a(K::F, 1, 2), a(K::B, 1, 2), a(K::SendGrad, 1, 2, 0), a(K::W, 1, 2)}};
  auto err = verifySchedule(programs, {0, 1}, true, 3);
  ASSERT_TRUE(err);
  ASSERT_EQ(err->kind, ScheduleError::Deadlock) << err->message;
  ASSERT_EQ(err->cycle.size(), 2u);
  EXPECT_EQ(err->rank, 0);
  EXPECT_EQ(err->position, 3);
  EXPECT_EQ(err->cycle[0].on, 1);
  EXPECT_EQ(err->cycle[1].rank, 1);
  EXPECT_EQ(err->cycle[1].position, 3);
  EXPECT_EQ(err->cycle[1].on, 0);
  EXPECT_NE(err->message.find("rank 0, action 3 (SendAct(0,1)->1) waits on "
                              "rank 1 for RecvAct(1,1)<-0"),
            std::string::npos)
      << err->message;
  EXPECT_NE(err->message.find("rank 1, action 3 (SendGrad(1,0)->0) waits on "
                              "rank 0 for RecvGrad(0,0)<-1"),
            std::string::npos)
      << err->message;
}

// A V placement (stages 0 and 2 on rank 0, stage 1 on rank 1) where rank 0
// sends rank 1 a gradient and an activation in one group. Rank 1 receives
// them in one group too; whether it lists them in rank 0's order is the
// difference between a program NCCL runs and one where it hands the
// activation to the gradient's receive.
static std::vector<RankProgram> vProgram(bool receivesInSendOrder) {
  std::vector<Action> group = {a(K::RecvGrad, 1, 0, 0), a(K::RecvAct, 1, 1, 0)};
  if (!receivesInSendOrder)
    std::swap(group[0], group[1]);
  return {{a(K::F, 0, 0), a(K::SendAct, 0, 0, 1), a(K::F, 0, 1),
           a(K::RecvAct, 2, 0, 1), a(K::F, 2, 0), a(K::B, 2, 0),
           a(K::SendGrad, 2, 0, 1), a(K::SendAct, 0, 1, 1), // one group
           a(K::RecvAct, 2, 1, 1), a(K::F, 2, 1), a(K::B, 2, 1),
           a(K::RecvGrad, 0, 0, 1), a(K::B, 0, 0), a(K::SendGrad, 2, 1, 1),
           a(K::RecvGrad, 0, 1, 1), a(K::B, 0, 1)},
          {a(K::RecvAct, 1, 0, 0), a(K::F, 1, 0), a(K::SendAct, 1, 0, 0),
           group[0], group[1], // one group
           a(K::F, 1, 1), a(K::SendAct, 1, 1, 0), a(K::B, 1, 0),
           a(K::SendGrad, 1, 0, 0), a(K::RecvGrad, 1, 1, 0), a(K::B, 1, 1),
           a(K::SendGrad, 1, 1, 0)}};
}

TEST(ScheduleVerify, TransfersBetweenTwoRanksKeepOneOrderAcrossDirections) {
  const std::vector<int> v = {0, 1, 0};
  auto good = verifySchedule(vProgram(true), v, false, 2);
  EXPECT_FALSE(good) << good->message;
  auto err = verifySchedule(vProgram(false), v, false, 2);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ScheduleError::Mismatch) << err->message;
  EXPECT_EQ(err->rank, 1);
  EXPECT_EQ(err->position, 3); // RecvAct(1,1), paired with rank 0's action 7
  EXPECT_NE(err->message.find("(rank 0, action 6 (SendGrad(2,0)->1) before "
                              "rank 0, action 7 (SendAct(0,1)->1))"),
            std::string::npos)
      << err->message;
}

// The same exchange with each pair merged into one group (Megatron's
// send_forward_recv_backward / send_backward_recv_forward) is fine.
TEST(ScheduleVerify, MergedGroupsDoNotDeadlock) {
  std::vector<RankProgram> programs = {
      {a(K::F, 0, 0), a(K::SendAct, 0, 0, 1), a(K::F, 0, 1),
       a(K::SendAct, 0, 1, 1), a(K::RecvGrad, 0, 0, 1), a(K::B, 0, 0),
       a(K::W, 0, 0), a(K::F, 0, 2), a(K::SendAct, 0, 2, 1),
       a(K::RecvGrad, 0, 1, 1), a(K::B, 0, 1), a(K::W, 0, 1),
       a(K::RecvGrad, 0, 2, 1), a(K::B, 0, 2), a(K::W, 0, 2)},
      {a(K::RecvAct, 1, 0, 0), a(K::F, 1, 0), a(K::B, 1, 0),
       a(K::SendGrad, 1, 0, 0), a(K::RecvAct, 1, 1, 0), a(K::W, 1, 0),
       a(K::F, 1, 1), a(K::B, 1, 1), a(K::SendGrad, 1, 1, 0),
       a(K::RecvAct, 1, 2, 0), a(K::W, 1, 1), a(K::F, 1, 2), a(K::B, 1, 2),
       a(K::SendGrad, 1, 2, 0), a(K::W, 1, 2)}};
  auto err = verifySchedule(programs, {0, 1}, true, 3);
  EXPECT_FALSE(err) << err->message;
}

TEST(ScheduleVerify, MissingTransferIsReported) {
  auto programs = twoRankProgram();
  programs[1].erase(programs[1].begin()); // no RecvAct(1,0) on rank 1
  auto err = verifySchedule(programs, kTwoRanks, false, 1);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ScheduleError::Missing);
  EXPECT_EQ(err->rank, 1);
  EXPECT_NE(err->message.find("rank 1 lacks RecvAct(1,0) before F(1,0)"),
            std::string::npos)
      << err->message;
}

// A receive naming the producing stage (stage 0 has no input to receive,
// stage 1 no output gradient) is malformed, not silently renumbered.
TEST(ScheduleVerify, ReceiveNamingTheProducerIsRejected) {
  auto programs = twoRankProgram();
  programs[1][0].stage = 0; // RecvAct(0,0) on rank 1
  auto err = verifySchedule(programs, kTwoRanks, false, 1);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ScheduleError::Malformed);
  EXPECT_EQ(err->rank, 1);
  EXPECT_EQ(err->position, 0);
  EXPECT_NE(err->message.find("stage 0's input does not cross ranks"),
            std::string::npos)
      << err->message;
  programs = twoRankProgram();
  programs[0][2].stage = 1; // RecvGrad(1,0) on rank 0
  err = verifySchedule(programs, kTwoRanks, false, 1);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ScheduleError::Malformed);
  EXPECT_EQ(err->rank, 0);
  EXPECT_EQ(err->position, 2);
  EXPECT_NE(err->message.find("stage 1's output gradient does not cross"),
            std::string::npos)
      << err->message;
}

// The transfers a builder inserts name the stage on their own rank, and each
// receive's producer is its sender's stage (gpipe, stage s on rank s).
TEST(ScheduleVerify, BuiltReceivesNameTheirConsumer) {
  auto programs = buildSchedule(ScheduleKind::GPipe, 3, 1, 1, {0, 1, 2});
  for (int r = 0; r < 3; ++r)
    for (const Action &x : programs[r]) {
      EXPECT_EQ(x.stage, r) << describeAction(x);
      if (x.kind == Action::RecvAct)
        EXPECT_EQ(producerStage(x), r - 1);
      if (x.kind == Action::RecvGrad)
        EXPECT_EQ(producerStage(x), r + 1);
    }
}
