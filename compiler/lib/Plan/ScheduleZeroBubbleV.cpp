//===- ScheduleZeroBubbleV.cpp - The paper's ZB-V shape, parameterised ---===//
//
// Qi et al. (ICLR 2024), Section 6: on rank r of a V (chunk 0 = stage r on
// the way down, chunk 1 = stage 2p - 1 - r on the way back), `lead[r]` F of
// chunk 0 (the paper: 2(p - r) - 1), `pairs[r]` pairs F1 F0 (the paper: r),
// then F1 B1 W1 rounds until chunk 1 has caught up with the micro-batches
// chunk 0 holds (p - r rounds in the paper), then rounds F0 B0 W0 F1 B1 W1
// until every F is done; the cool-down runs r rounds B0 B1 with their W held
// back for the tail, B0 W0 rounds, and then the held W. The search
// (ScheduleZeroBubbleSearch.cpp) offers the paper's counts and moves them.
//===----------------------------------------------------------------------===//
#include "ZeroBubble.h"

#include <algorithm>

namespace pipe::plan::zb {

std::vector<RankProgram> vShapeOrder(const Problem &p,
                                     const std::vector<int> &lead,
                                     const std::vector<int> &pairs) {
  const int R = p.ranks, m = p.m;
  // The phases are counted for at least 2p - 1 micro-batches; with fewer,
  // the order for 2p - 1 is played without the micro-batches past m.
  const int full = std::max(m, 2 * R - 1);
  std::vector<RankProgram> out(R);
  for (int r = 0; r < R; ++r) {
    const int chunk[2] = {r, 2 * R - 1 - r};
    int nf[2] = {0, 0}, nb[2] = {0, 0}, nw[2] = {0, 0};
    RankProgram &prog = out[r];
    prog.reserve(6 * m);
    auto emit = [&](Action::Kind kind, int c) {
      int &n = kind == Action::F ? nf[c] : kind == Action::B ? nb[c] : nw[c];
      if (n < m)
        prog.push_back({kind, chunk[c], n, -1});
      ++n;
    };
    auto round = [&](int c) { // B and W of the oldest micro-batch of c
      emit(Action::B, c);
      emit(Action::W, c);
    };
    for (int i = 0; i < std::min(lead[r], full); ++i)
      emit(Action::F, 0);
    for (int i = 0; i < pairs[r] && nf[0] < full; ++i) {
      emit(Action::F, 1);
      emit(Action::F, 0);
    }
    // Chunk 1 catches up (p - r rounds with the paper's counts).
    for (int i = 0; i < R - r && nf[1] < nf[0]; ++i) {
      emit(Action::F, 1);
      round(1);
    }
    while (nf[1] < nf[0] || nf[0] < full) {
      if (nf[0] < full)
        emit(Action::F, 0);
      round(0);
      if (nf[1] < nf[0]) {
        emit(Action::F, 1);
        round(1);
      }
    }
    for (int i = 0; i < r; ++i) {
      emit(Action::B, 0);
      emit(Action::B, 1);
    }
    while (nb[0] < full)
      round(0);
    while (nb[1] < full)
      emit(Action::B, 1);
    while (nw[1] < nb[1])
      emit(Action::W, 1);
    while (nw[0] < nb[0])
      emit(Action::W, 0);
  }
  return out;
}

} // namespace pipe::plan::zb
