// Per-cell profile accumulation and its JSON file.
#include "profile.h"

#include "error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pipert {

void CellProfile::add(int cell, ActionKind kind, double us) {
  int k = kind == ActionKind::F ? 0 : kind == ActionKind::B ? 1 : 2;
  if (cell < 0 || static_cast<size_t>(cell) >= cells.size())
    throw RuntimeError("profile mark for cell " + std::to_string(cell) +
                       " outside the model's " + std::to_string(cells.size()) +
                       " cells");
  cells[cell].us[k] += us;
  cells[cell].count[k] += 1;
}

void CellProfile::addSend(int cell, double us) {
  if (cell >= 0 && static_cast<size_t>(cell) < cells.size()) {
    cells[cell].sendUs += us;
    cells[cell].sends += 1;
  }
}

void CellProfile::merge(const CellProfile &other) {
  for (size_t c = 0; c < cells.size() && c < other.cells.size(); ++c) {
    for (int k = 0; k < 3; ++k) {
      cells[c].us[k] += other.cells[c].us[k];
      cells[c].count[k] += other.cells[c].count[k];
    }
    cells[c].sendUs += other.cells[c].sendUs;
    cells[c].sends += other.cells[c].sends;
  }
}

void writeProfile(const std::string &file, const ModelSpec &spec,
                  const CellProfile &profile, double bandwidth) {
  FILE *f = std::fopen(file.c_str(), "w");
  if (!f)
    throw RuntimeError(file +
                       ": cannot write profile: " + std::strerror(errno));
  std::fprintf(f, "{\"cells\": [");
  for (size_t c = 0; c < profile.cells.size(); ++c) {
    const CellProfile::Cell &cell = profile.cells[c];
    auto mean = [&](int k) {
      return cell.count[k] ? cell.us[k] / cell.count[k] : 0.0;
    };
    double send = 0;
    bool last = c + 1 == profile.cells.size();
    if (!last && cell.sends > 0)
      send = cell.sendUs / cell.sends;
    else if (!last && c < spec.cellCutBytes.size() && bandwidth > 0)
      send = spec.cellCutBytes[c] / bandwidth * 1e6;
    std::fprintf(f,
                 "%s\n  {\"fwd_us\": %.3f, \"bwd_us\": %.3f, \"wgrad_us\": "
                 "%.3f, \"send_us\": %.3f}",
                 c ? "," : "", mean(0), mean(1), mean(2), send);
  }
  std::fprintf(f, "\n]}\n");
  if (std::fclose(f) != 0)
    throw RuntimeError(file +
                       ": cannot write profile: " + std::strerror(errno));
}

} // namespace pipert
