// Host GEMMs (linear on the BLAS) against the plain-loop reference kernels, on
// shapes that cut into several blocks and odd edges; results independent of
// the thread count; the pool's chunks run once each, concurrently from several
// callers, with exceptions passed back.
#include "fd_harness.h"
#include "pipeops/reference.h"
#include "pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>

using namespace pipeops;
using namespace pipeops::test;

namespace {

struct Shape {
  int64_t M, K, N;
};

void expectClose(const std::vector<float> &got, const std::vector<float> &want,
                 const char *what, const Shape &s) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 1e-4 + 1e-5 * std::fabs(want[i]))
        << what << " M" << s.M << " K" << s.K << " N" << s.N << " at " << i;
}

// 1x1 edge, rows below one block, column split (few rows), many row blocks
// with a ragged last one, a zero inner dimension, the models' shapes.
const Shape kShapes[] = {{1, 1, 1},       {3, 5, 7},   {7, 300, 513},
                         {517, 63, 97},   {40, 0, 24}, {256, 64, 256},
                         {1024, 256, 256}};

TEST(HostGemm, LinearMatchesReferenceLoops) {
  for (const Shape &s : kShapes) {
    Rng rng(41);
    auto in = rng.normal(s.M * s.K), w = rng.normal(s.K * s.N),
         bias = rng.normal(s.N), dout = rng.normal(s.M * s.N);
    for (bool withBias : {false, true}) {
      const float *b = withBias ? bias.data() : nullptr;
      std::vector<float> out(s.M * s.N, 7.0f), ref(s.M * s.N, -7.0f);
      linear_forward(hostContext(2), out.data(), in.data(), w.data(), b, s.M,
                     s.K, s.N);
      reference::matmul(ref.data(), in.data(), w.data(), b, s.M, s.K, s.N,
                        false);
      expectClose(out, ref, "forward", s);
    }
    // Backward ops accumulate: start from the same non-zero buffers.
    auto din = rng.normal(s.M * s.K), dw = rng.normal(s.K * s.N),
         db = rng.normal(s.N);
    auto refIn = din, refW = dw, refB = db;
    linear_backward_input(hostContext(2), din.data(), dout.data(), w.data(),
                          s.M, s.K, s.N);
    linear_backward_weight(hostContext(2), dw.data(), db.data(), dout.data(),
                           in.data(), s.M, s.K, s.N);
    reference::matmulBT(refIn.data(), dout.data(), w.data(), s.M, s.K, s.N);
    reference::matmulAT(refW.data(), in.data(), dout.data(), s.M, s.K, s.N);
    for (int64_t i = 0; i < s.M; ++i)
      for (int64_t j = 0; j < s.N; ++j)
        refB[j] += dout[i * s.N + j];
    expectClose(din, refIn, "backward_input", s);
    expectClose(dw, refW, "backward_weight", s);
    expectClose(db, refB, "backward_bias", s);
  }
}

TEST(HostGemm, ResultsDoNotDependOnThreads) {
  Shape s{1024, 256, 256};
  Rng rng(42);
  auto in = rng.normal(s.M * s.K), w = rng.normal(s.K * s.N),
       bias = rng.normal(s.N), dout = rng.normal(s.M * s.N);
  auto run = [&](int threads) {
    Context ctx = hostContext(threads);
    std::vector<float> out(s.M * s.N), din(s.M * s.K, 0.0f),
        dw(s.K * s.N, 0.0f), db(s.N, 0.0f);
    linear_forward(ctx, out.data(), in.data(), w.data(), bias.data(), s.M, s.K,
                   s.N);
    linear_backward_input(ctx, din.data(), dout.data(), w.data(), s.M, s.K,
                          s.N);
    linear_backward_weight(ctx, dw.data(), db.data(), dout.data(), in.data(),
                           s.M, s.K, s.N);
    for (auto *v : {&din, &dw, &db})
      out.insert(out.end(), v->begin(), v->end());
    return out;
  };
  auto one = run(1);
  for (int threads : {2, 3, 0}) {
    auto other = run(threads);
    EXPECT_EQ(std::memcmp(one.data(), other.data(), one.size() * 4), 0)
        << "threads " << threads;
  }
}

TEST(HostPool, EveryChunkRunsOnceFromConcurrentCallers) {
  constexpr int kCallers = 4, kChunks = 1000, kRounds = 50;
  std::vector<std::atomic<int>> hits(kCallers * kChunks);
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t)
    callers.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        host::CoreClaim claim; // as a rank inside a pipeops call
        host::runChunks(0, kChunks,
                        [&](int64_t c) { hits[t * kChunks + c].fetch_add(1); });
      }
    });
  for (auto &c : callers)
    c.join();
  for (size_t i = 0; i < hits.size(); ++i)
    ASSERT_EQ(hits[i].load(), kRounds) << "chunk " << i;
}

TEST(HostPool, ManyTinyJobsRaceHelpersSafely) {
  // Jobs of two chunks finish while a woken helper is still choosing one: it
  // must pick its job once, under the lock (a helper once looked twice and
  // found none the second time). Every chunk still runs exactly once.
  constexpr int kCallers = 2, kRounds = 100000;
  std::vector<std::thread> callers;
  std::atomic<int64_t> total{0};
  for (int t = 0; t < kCallers; ++t)
    callers.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round)
        host::runChunks(0, 2, [&](int64_t) { total.fetch_add(1); });
    });
  for (auto &c : callers)
    c.join();
  EXPECT_EQ(total.load(), int64_t(2) * kCallers * kRounds);
}

TEST(HostPool, ExceptionReachesTheCaller) {
  std::atomic<int> ran{0};
  EXPECT_THROW(host::runChunks(0, 100,
                               [&](int64_t c) {
                                 ran.fetch_add(1);
                                 if (c == 3)
                                   throw std::runtime_error("chunk 3");
                               }),
               std::runtime_error);
  EXPECT_GE(ran.load(), 1);
  // The pool still works afterwards.
  std::atomic<int> after{0};
  host::runChunks(0, 10, [&](int64_t) { after.fetch_add(1); });
  EXPECT_EQ(after.load(), 10);
}

} // namespace
