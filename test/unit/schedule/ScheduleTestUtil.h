//===- ScheduleTestUtil.h - Stages with equal costs for schedule tests --===//
#ifndef PIPE_TEST_SCHEDULE_TESTUTIL_H
#define PIPE_TEST_SCHEDULE_TESTUTIL_H

#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"
#include "pipe/Plan/Verify.h"

#include <vector>

namespace pipe::plan::test {

/// Every stage costs (f, b, w) with `send` to the next stage when it is on
/// another rank; stage s's activation bytes are `act`, state `state`.
inline std::vector<Stage> equalStages(ScheduleKind kind, int ranks, int v,
                                      double f, double b, double w,
                                      double send = 0, int64_t act = 1,
                                      int64_t state = 0) {
  std::vector<int> placement = stagePlacement(kind, ranks, v);
  std::vector<Stage> stages(placement.size());
  for (size_t s = 0; s < stages.size(); ++s) {
    Stage &st = stages[s];
    st.rank = placement[s];
    st.fwdUs = f;
    st.bwdUs = b;
    st.wgradUs = w;
    st.actBytes = act;
    st.stateBytes = state;
    bool crosses = s + 1 < stages.size() && placement[s + 1] != placement[s];
    st.sendUs = crosses ? send : 0;
  }
  return stages;
}

inline std::vector<int> ranksOf(const std::vector<Stage> &stages) {
  std::vector<int> r;
  for (const Stage &s : stages)
    r.push_back(s.rank);
  return r;
}

/// Builds, verifies (failing the test on an error) and simulates.
inline Simulation run(ScheduleKind kind, int p, int v, int m,
                      const std::vector<Stage> &stages,
                      std::vector<RankProgram> *out = nullptr) {
  std::vector<RankProgram> programs =
      buildSchedule(kind, p, v, m, ranksOf(stages));
  if (auto err = verifySchedule(programs, stages, scheduleHasW(kind), m))
    ADD_FAILURE() << scheduleName(kind) << " p=" << p << " v=" << v
                  << " m=" << m << ": " << err->message;
  if (out)
    *out = programs;
  return simulate(programs, stages, scheduleHasW(kind));
}

} // namespace pipe::plan::test

#endif
