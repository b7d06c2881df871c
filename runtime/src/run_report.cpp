// The end-of-run lines.
#include "run_report.h"

#include <algorithm>

namespace pipert {

double medianStepUs(const std::vector<double> &stepUs) {
  if (stepUs.empty())
    return 0;
  std::vector<double> after(stepUs.size() > 1 ? stepUs.begin() + 1
                                              : stepUs.begin(),
                            stepUs.end());
  std::sort(after.begin(), after.end());
  size_t n = after.size();
  return n % 2 ? after[n / 2] : (after[n / 2 - 1] + after[n / 2]) / 2;
}

void printRunReport(FILE *out, const ModelSpec &spec, const RunMeasures &m) {
  for (size_t r = 0; r < m.peakBytes.size(); ++r) {
    long long predicted = r < spec.predictedPeakBytes.size()
                              ? static_cast<long long>(spec.predictedPeakBytes[r])
                              : 0;
    std::fprintf(out, "rank %zu peak_bytes %lld predicted %lld\n", r,
                 static_cast<long long>(m.peakBytes[r]), predicted);
  }
  std::fprintf(out, "step_us %.1f predicted %.1f\n", medianStepUs(m.stepUs),
               spec.predictedStepUs);
  std::fflush(out);
}

} // namespace pipert
