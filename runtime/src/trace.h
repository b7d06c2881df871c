// --trace FILE: the measured timeline of the last step as Chrome trace-event
// JSON, laid out as pipec's trace.json (one track per rank, a complete "X"
// event per F, B and W with its stage and micro-batch, each transfer as a
// flow from the producing pass to the consuming one).
#pragma once

#include "executor.h"

#include <string>
#include <vector>

namespace pipert {

using TraceSlices = std::vector<StageRunner::TraceSlice>;

/// Writes the file (RuntimeError naming it when it cannot).
void writeTrace(const std::string &path, const ModelSpec &spec,
                const std::vector<TraceSlices> &perRank);

/// One rank's slices as text and back, for the processes' gather.
std::string encodeTraceSlices(const TraceSlices &slices);
TraceSlices decodeTraceSlices(const std::string &text);

} // namespace pipert
