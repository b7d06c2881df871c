//===- ScheduleOrders.cpp - gpipe, 1f1b and interleaved compute orders --===//
#include "ScheduleBuilders.h"

#include <algorithm>

namespace pipe::plan {

/// The stages each rank holds, in ascending order (its chunks).
std::vector<std::vector<int>> stagesByRank(int ranks,
                                           const std::vector<int> &stageRank) {
  std::vector<std::vector<int>> chunks(ranks);
  for (int s = 0, e = stageRank.size(); s < e; ++s)
    chunks[stageRank[s]].push_back(s);
  return chunks;
}

static Action compute(Action::Kind kind, int stage, int mb) {
  return Action{kind, stage, mb, -1};
}

std::vector<RankProgram> buildGPipeOrder(const OrderRequest &request) {
  const int ranks = request.ranks, m = request.microbatches;
  std::vector<std::vector<int>> chunks = stagesByRank(ranks, request.stageRank);
  std::vector<RankProgram> programs(ranks);
  for (int r = 0; r < ranks; ++r) {
    for (int s : chunks[r])
      for (int k = 0; k < m; ++k)
        programs[r].push_back(compute(Action::F, s, k));
    for (auto it = chunks[r].rbegin(); it != chunks[r].rend(); ++it)
      for (int k = 0; k < m; ++k)
        programs[r].push_back(compute(Action::B, *it, k));
  }
  return programs;
}

std::vector<RankProgram> build1F1BOrder(const OrderRequest &request) {
  const int ranks = request.ranks, m = request.microbatches;
  std::vector<std::vector<int>> chunks = stagesByRank(ranks, request.stageRank);
  std::vector<RankProgram> programs(ranks);
  for (int r = 0; r < ranks; ++r) {
    int stage = chunks[r].front();
    int warmup = std::min(ranks - r - 1, m);
    RankProgram &p = programs[r];
    for (int k = 0; k < warmup; ++k)
      p.push_back(compute(Action::F, stage, k));
    for (int i = 0; i < m - warmup; ++i) {
      p.push_back(compute(Action::F, stage, warmup + i));
      p.push_back(compute(Action::B, stage, i));
    }
    for (int k = m - warmup; k < m; ++k)
      p.push_back(compute(Action::B, stage, k));
  }
  return programs;
}

/// Megatron-LM's schedule table: (micro-batch, chunk) in forward order, in
/// groups of `group` micro-batches per chunk; the last group takes the rest.
static std::vector<std::pair<int, int>> megatronTable(int m, int v, int group) {
  std::vector<std::pair<int, int>> table;
  for (int first = 0; first < m; first += group) {
    int last = first + group >= m ? m : first + group;
    for (int c = 0; c < v; ++c)
      for (int k = first; k < last; ++k)
        table.emplace_back(k, c);
    if (last == m)
      break;
  }
  return table;
}

std::vector<RankProgram> buildInterleavedOrder(const OrderRequest &request) {
  const int ranks = request.ranks, v = request.virtualStages,
            m = request.microbatches;
  std::vector<std::vector<int>> chunks = stagesByRank(ranks, request.stageRank);
  // Megatron-LM needs m to be a multiple of ranks. Otherwise we build the
  // schedule for m rounded up and drop the padding micro-batches: deleting
  // whole micro-batches from a runnable order leaves a runnable order (every
  // remaining action's inputs still come before it), so this stays correct.
  int padded = (m + ranks - 1) / ranks * ranks;
  std::vector<RankProgram> programs(ranks);
  std::vector<std::pair<int, int>> table = megatronTable(padded, v, ranks);
  int total = padded * v;
  for (int r = 0; r < ranks; ++r) {
    RankProgram &p = programs[r];
    auto fwd = [&](int i) {
      auto [k, c] = table[i];
      p.push_back(compute(Action::F, chunks[r][c], k));
    };
    auto bwd = [&](int i) {
      auto [k, c] = table[i];
      p.push_back(compute(Action::B, chunks[r][v - 1 - c], k));
    };
    int warmup = std::min((ranks - r - 1) * 2 + (v - 1) * ranks, total);
    for (int i = 0; i < warmup; ++i)
      fwd(i);
    for (int i = 0; i < total - warmup; ++i) {
      fwd(warmup + i);
      bwd(i);
    }
    for (int i = total - warmup; i < total; ++i)
      bwd(i);
    p.erase(std::remove_if(p.begin(), p.end(),
                           [&](const Action &a) { return a.mb >= m; }),
            p.end());
  }
  return programs;
}

} // namespace pipe::plan
