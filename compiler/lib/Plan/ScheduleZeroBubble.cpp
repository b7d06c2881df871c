//===- ScheduleZeroBubble.cpp - Candidate zb orders: list and held-back -===//
//
// listOrder plays a list schedule with the real stage costs, event by event:
// a rank decides whenever it becomes free or an input it waits for arrives,
// so every decision sees exactly the finished work a real run would. Its
// priorities follow Qi et al.'s Section 3 heuristic: B first (critical
// path), W early once more than `hold` wait (bounds memory like ZB-H1),
// F within the in-flight limits, W to fill the remaining gaps.
//===----------------------------------------------------------------------===//
#include "ZeroBubble.h"

#include <algorithm>
#include <queue>

namespace pipe::plan::zb {

Problem makeProblem(int ranks, int m, const std::vector<Stage> &stages) {
  Problem p;
  p.ranks = ranks;
  p.m = m;
  p.stages = stages.size();
  double total = 0;
  for (const Stage &s : stages) {
    p.rank.push_back(s.rank);
    p.f.push_back(s.fwdUs);
    p.b.push_back(s.bwdUs);
    p.w.push_back(s.wgradUs);
    total += s.fwdUs + s.bwdUs + s.wgradUs;
  }
  for (int s = 0; s < p.stages; ++s) {
    bool crosses = s + 1 < p.stages && p.rank[s + 1] != p.rank[s];
    p.send.push_back(crosses ? stages[s].sendUs : 0);
  }
  p.chunks.assign(ranks, {});
  for (int s = p.stages - 1; s >= 0; --s)
    p.chunks[p.rank[s]].push_back(s);
  if (!(total > 0)) // no costs recorded: the cost-free order
    return unitProblem(p);
  return p;
}

Problem unitProblem(const Problem &p) {
  Problem u = p;
  std::fill(u.f.begin(), u.f.end(), 1.0);
  std::fill(u.b.begin(), u.b.end(), 1.0);
  std::fill(u.w.begin(), u.w.end(), 1.0);
  std::fill(u.send.begin(), u.send.end(), 0.0);
  return u;
}

namespace {

constexpr double kNotYet = -1;

struct Event {
  double t;
  int rank;
  bool operator>(const Event &o) const {
    return t != o.t ? t > o.t : rank > o.rank;
  }
};

} // namespace

std::vector<RankProgram> listOrder(const Problem &p, const ListRules &rules) {
  const int R = p.ranks, S = p.stages, m = p.m;
  std::vector<double> endF((size_t)S * m, kNotYet),
      endB((size_t)S * m, kNotYet);
  std::vector<double> freeAt(R, 0);
  std::vector<std::vector<int>> nextF(R), nextB(R);
  // Per rank its W in B order (stage * m + mb), taken from wHead on.
  std::vector<std::vector<int>> pendingW(R);
  std::vector<size_t> wHead(R, 0);
  std::vector<int> fb(R, 0), live(R, 0), left(R);
  std::vector<RankProgram> out(R);
  for (int r = 0; r < R; ++r) {
    nextF[r].assign(p.chunks[r].size(), 0);
    nextB[r].assign(p.chunks[r].size(), 0);
    left[r] = 3 * m * p.chunks[r].size();
    out[r].reserve(left[r]);
    pendingW[r].reserve(left[r] / 3);
  }
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
  for (int r = 0; r < R; ++r)
    events.push({0, r});
  int remaining = 3 * m * S;
  bool relaxed = false; // limits lifted after a stall (never expected)

  // Earliest time B(s, k) / F(s, k) can start, kNotYet if unknown.
  auto readyB = [&](int s, int k) {
    double a = endF[(size_t)s * m + k];
    if (a < 0)
      return kNotYet;
    if (s + 1 < S) {
      double up = endB[(size_t)(s + 1) * m + k];
      if (up < 0)
        return kNotYet;
      a = std::max(a, up + p.send[s]);
    }
    return a;
  };
  auto readyF = [&](int s, int k) {
    if (s == 0)
      return 0.0;
    double down = endF[(size_t)(s - 1) * m + k];
    return down < 0 ? kNotYet : down + p.send[s - 1];
  };

  // A rank busy past the arrival re-decides when it becomes free anyway.
  auto wake = [&](int r, double at) {
    if (at >= freeAt[r])
      events.push({at, r});
  };
  auto start = [&](int r, Action::Kind kind, int s, int k, double t) {
    size_t i = (size_t)s * m + k;
    double dur = kind == Action::F   ? p.f[s]
                 : kind == Action::B ? p.b[s]
                                     : p.w[s];
    double end = t + dur;
    out[r].push_back({kind, s, k, -1});
    freeAt[r] = end;
    events.push({end, r});
    --left[r];
    --remaining;
    if (kind == Action::F) {
      endF[i] = end;
      ++fb[r];
      ++live[r];
      if (s + 1 < S && p.rank[s + 1] != r)
        wake(p.rank[s + 1], end + p.send[s]);
    } else if (kind == Action::B) {
      endB[i] = end;
      --fb[r];
      pendingW[r].push_back(i);
      if (s > 0 && p.rank[s - 1] != r)
        wake(p.rank[s - 1], end + p.send[s - 1]);
    } else {
      --live[r];
    }
  };

  // Rank r is free at t: start something, or wait for the next event.
  auto decide = [&](int r, double t) {
    const std::vector<int> &cs = p.chunks[r];
    double soonest = -1; // next known arrival of a B or F input
    auto note = [&](double a) {
      if (a > t && (soonest < 0 || a < soonest))
        soonest = a;
    };
    for (size_t c = 0; c < cs.size(); ++c) {
      int k = nextB[r][c];
      if (k >= m)
        continue;
      double a = readyB(cs[c], k);
      if (a >= 0 && a <= t) {
        ++nextB[r][c];
        start(r, Action::B, cs[c], k, t);
        return;
      }
      note(a);
    }
    size_t waiting = pendingW[r].size() - wHead[r];
    auto runW = [&]() {
      size_t i = pendingW[r][wHead[r]++];
      start(r, Action::W, int(i / m), int(i % m), t);
    };
    if (waiting > (size_t)rules.hold[r]) {
      runW();
      return;
    }
    bool memoryBlocked = false;
    for (size_t c = 0; c < cs.size(); ++c) {
      int k = nextF[r][c];
      if (k >= m)
        continue;
      double a = readyF(cs[c], k);
      if (a < 0 || a > t) {
        note(a);
        continue;
      }
      // A lower chunk leaves one slot to the chunks above it, so the V's
      // return path can always enter (else ranks could fill up and stall).
      int reserve = c > 0 ? 1 : 0;
      if (!relaxed && c > 0 && !rules.ahead.empty() &&
          k - nextF[r][c - 1] >= rules.ahead[r])
        continue;
      if (!relaxed && (fb[r] + reserve >= rules.fbLimit[r] ||
                       live[r] + reserve >= rules.memLimit[r])) {
        memoryBlocked |= live[r] + reserve >= rules.memLimit[r];
        continue;
      }
      ++nextF[r][c];
      start(r, Action::F, cs[c], k, t);
      return;
    }
    if (waiting == 0)
      return;
    int s = pendingW[r][wHead[r]] / m;
    if (!rules.fillShortGaps && !memoryBlocked && soonest >= 0 &&
        t + p.w[s] > soonest)
      return; // the arrival wakes this rank
    runW();
  };

  while (remaining > 0) {
    if (events.empty()) {
      // Every rank waits on a limit: lift them rather than stall (the
      // search then rejects the candidate for its memory).
      relaxed = true;
      for (int r = 0; r < R; ++r)
        if (left[r] > 0)
          events.push({freeAt[r], r});
      if (events.empty())
        break;
    }
    Event e = events.top();
    events.pop();
    if (e.t < freeAt[e.rank] || left[e.rank] == 0)
      continue;
    decide(e.rank, e.t);
  }
  return out;
}

std::vector<RankProgram> heldBackOrder(const Problem &p,
                                       const std::vector<int> &warmup,
                                       const std::vector<int> &hold) {
  const int m = p.m;
  std::vector<RankProgram> out(p.ranks);
  for (int r = 0; r < p.ranks; ++r) {
    int s = p.chunks[r].front();
    RankProgram &prog = out[r];
    prog.reserve(3 * m);
    int nf = std::min(m, std::max(1, warmup[r])), oldestW = 0;
    for (int k = 0; k < nf; ++k)
      prog.push_back({Action::F, s, k, -1});
    for (int k = 0; k < m; ++k) {
      prog.push_back({Action::B, s, k, -1});
      while (k + 1 - oldestW > hold[r])
        prog.push_back({Action::W, s, oldestW++, -1});
      if (nf < m)
        prog.push_back({Action::F, s, nf++, -1});
    }
    while (oldestW < m)
      prog.push_back({Action::W, s, oldestW++, -1});
  }
  return out;
}

} // namespace pipe::plan::zb
