//===- PairedSearch.h - Exact feasibility for two stages per rank (private) =//
#ifndef PIPE_PLAN_PAIREDSEARCH_H
#define PIPE_PLAN_PAIREDSEARCH_H

#include "PartitionTables.h"
#include <cstdint>
#include <optional>

namespace pipe::plan {

class PairedSearch {
public:
  /// Whether the placement is interleaved (false) or zb-v's V (true) with two
  /// stages per rank; nullopt for any other placement.
  static std::optional<bool> applies(const PartitionRequest &request);
  PairedSearch(const PartitionTables &t, bool vShape);
  /// Is there a split with every stage time <= T whose ranks all fit?
  bool feasible(double T, std::vector<int> &bounds);

private:
  bool fits(int r, int s1, int b1, int e1, int s2, int b2, int e2) const;
  bool coverable(int b, int e, int k) const;
  bool solveInterleaved(int r, int a, int b);
  bool solveV(int r, int a, int b);

  const PartitionTables &t;
  const PartitionRequest &req;
  int n, R;
  bool vShape;
  double limit = 0;
  int x = 0; ///< interleaved: the cut between the two chains
  std::vector<int> cover, cuts;
  std::vector<uint8_t> failed;
};

} // namespace pipe::plan

#endif // PIPE_PLAN_PAIREDSEARCH_H
