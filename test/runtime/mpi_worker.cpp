// The test model as a program launched by mpirun (one process per worker):
// argv[1] names the strategy, the remaining arguments go to runMain.
#include "mlp_model.h"
#include "pipert/pipert.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

using namespace pipert;
using namespace pipert::test;

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: %s pipe4|interleaved-dp2|pipe4-mismatch|pipe4-lost-send "
        "[flags]\n",
        argv[0]);
    return 2;
  }
  Strategy s;
  const char *name = argv[1];
  bool pipe4 = !std::strcmp(name, "pipe4") ||
               !std::strcmp(name, "pipe4-mismatch") ||
               !std::strcmp(name, "pipe4-lost-send");
  if (pipe4) {
    s.stageRank = {0, 1, 2,
                   3}; // 4 ranks x 1 replica, 1F1B, 4 micro-batches of 2
  } else if (!std::strcmp(name, "interleaved-dp2")) {
    s.stageRank = {
        0, 1, 0,
        1}; // 2 ranks x 2 replicas, 2 micro-batches of 2: global batch 8
    s.order = Order::MbMajor;
    s.microbatches = 2;
    s.dataParallel = 2;
  } else {
    std::fprintf(stderr, "unknown strategy %s\n", name);
    return 2;
  }
  ModelSpec spec = makeMlpSpec(s);
  if (!std::strcmp(name, "pipe4-mismatch")) {
    // Rank 2 receives micro-batches 0 and 1 in swapped order: its program
    // disagrees with rank 1's.
    Action *first = nullptr;
    for (Action &a : spec.programs[2])
      if (a.kind == ActionKind::RecvAct && !first)
        first = &a;
      else if (a.kind == ActionKind::RecvAct) {
        std::swap(first->mb, a.mb);
        break;
      }
  }
  if (!std::strcmp(name, "pipe4-lost-send")) {
    // Rank 1 never sends an activation: rank 2's receives can only time out.
    std::vector<Action> &p = spec.programs[1];
    p.erase(std::remove_if(
                p.begin(), p.end(),
                [](const Action &a) { return a.kind == ActionKind::SendAct; }),
            p.end());
  }
  argv[1] = argv[0];
  return runMain(spec, argc - 1, argv + 1);
}
