//===- Timeline.cpp - Text chart of a simulated step --------------------===//
#include "pipe/Plan/Timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace pipe::plan {

std::string timelineLabel(const Action &a, const std::vector<Stage> &stages) {
  const char *letter = a.kind == Action::F   ? "F"
                       : a.kind == Action::B ? "B"
                       : a.kind == Action::W ? "W"
                                             : "?";
  std::string label = letter + std::to_string(a.mb);
  int chunk = 0;
  for (int s = 0; s < a.stage; ++s)
    chunk += stages[s].rank == stages[a.stage].rank;
  label.append(chunk, '\'');
  return label;
}

namespace {
struct Scale {
  double colsPerUs = 1;
  int columns = 0;
  double unitUs = 1;
};

Scale chooseScale(const Simulation &sim, const std::vector<Stage> &stages,
                  int maxColumns) {
  double unit = 0;
  size_t width = 1;
  for (const auto &row : sim.slices)
    for (const auto &sl : row) {
      double d = sl.endUs - sl.startUs;
      if (d > 0 && (unit == 0 || d < unit))
        unit = d;
      width = std::max(width, timelineLabel(sl.action, stages).size() + 1);
    }
  Scale sc;
  sc.unitUs = unit > 0 ? unit : 1;
  sc.colsPerUs = width / sc.unitUs;
  if (sim.makespanUs * sc.colsPerUs > maxColumns && sim.makespanUs > 0)
    sc.colsPerUs = maxColumns / sim.makespanUs;
  sc.columns = (int)std::llround(sim.makespanUs * sc.colsPerUs);
  return sc;
}

std::string row(const Simulation &sim, const std::vector<Stage> &stages,
                int rank, const Scale &sc) {
  std::string cells(sc.columns, '.');
  for (const auto &sl : sim.slices[rank]) {
    int c0 = (int)std::llround(sl.startUs * sc.colsPerUs);
    int c1 = (int)std::llround(sl.endUs * sc.colsPerUs);
    c1 = std::max(c1, c0 + 1);
    if (c1 > (int)cells.size())
      cells.resize(c1, '.');
    std::string label = timelineLabel(sl.action, stages);
    for (int c = c0; c < c1; ++c)
      cells[c] = c - c0 < (int)label.size() ? label[c - c0] : ' ';
  }
  return cells;
}
} // namespace

std::string renderTimelineRow(const Simulation &sim,
                              const std::vector<Stage> &stages, int rank,
                              int maxColumns) {
  return row(sim, stages, rank, chooseScale(sim, stages, maxColumns));
}

std::string renderTimeline(const Simulation &sim,
                           const std::vector<Stage> &stages, int maxColumns) {
  Scale sc = chooseScale(sim, stages, maxColumns);
  int ranks = sim.slices.size();
  std::string prefixPad(std::string("rank " + std::to_string(ranks - 1)).size(),
                        ' ');
  std::string out;
  // Time axis: a tick label every `every` units, at least 8 columns apart.
  // Counted in doubles: a slice far shorter than a column makes `every`
  // larger than any int.
  double every = std::max(1.0, std::ceil(8 / (sc.unitUs * sc.colsPerUs)));
  std::string axis(sc.columns + 12, ' ');
  for (double k = 0;; k += every) {
    double t = k * sc.unitUs;
    int c = (int)std::llround(t * sc.colsPerUs);
    if (c > sc.columns)
      break;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", t);
    for (int i = 0; buf[i]; ++i)
      axis[c + i] = buf[i];
  }
  while (!axis.empty() && axis.back() == ' ')
    axis.pop_back();
  std::string us = "us";
  out += us + prefixPad.substr(std::min(us.size(), prefixPad.size())) + " |" +
         axis + "\n";
  for (int r = 0; r < ranks; ++r) {
    std::string name = "rank " + std::to_string(r);
    name.resize(prefixPad.size(), ' ');
    out += name + " |" + row(sim, stages, r, sc) + "|\n";
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "makespan %.3f us, bubble %.2f%%\n",
                sim.makespanUs, 100 * sim.bubble);
  out += buf;
  for (size_t r = 0; r < sim.peakBytes.size(); ++r) {
    std::snprintf(
        buf, sizeof buf, "rank %zu peak memory %lld bytes (%.2f MiB)\n", r,
        (long long)sim.peakBytes[r], sim.peakBytes[r] / (1024.0 * 1024.0));
    out += buf;
  }
  return out;
}

} // namespace pipe::plan
