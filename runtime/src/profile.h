// --profile: per-cell measured times, accumulated over steps, written as pipec
// reads them.
#pragma once

#include "pipert/spec.h"

#include <string>
#include <vector>

namespace pipert {

/// Sums of measured microseconds and counts per cell and action kind.
struct CellProfile {
  struct Cell {
    double us[3] = {0, 0, 0}; ///< F, B, W
    int64_t count[3] = {0, 0, 0};
    double sendUs = 0; ///< measured receives across the cut after this cell
    int64_t sends = 0;
  };
  std::vector<Cell> cells;
  explicit CellProfile(size_t n = 0) : cells(n) {}
  void add(int cell, ActionKind kind, double us);
  void addSend(int cell, double us);
  void merge(const CellProfile &other);
};

/// Writes {"cells":[{"fwd_us":..,"bwd_us":..,"wgrad_us":..,"send_us":..},...]}:
/// per-micro-batch means of the measured times. send_us is the mean measured
/// exchange of the receives across the cut after cell c where the run crossed
/// it, else cellCutBytes[c] / bandwidth (bytes/s) in us; 0 for the last cell.
/// Throws RuntimeError naming the file when it cannot be written.
void writeProfile(const std::string &file, const ModelSpec &spec,
                  const CellProfile &profile, double bandwidth);

} // namespace pipert
