//===- Trace.h - Chrome trace-event JSON of a simulated step ------------===//
//
// One process ("pipec step"), one thread (track) per rank named "rank R",
// a complete event ("ph":"X", ts/dur in microseconds) per compute action
// with args {stage, mb}, and a flow ("ph":"s" on the producer's slice, "ph":
// "f" with "bp":"e" on the consumer's) for every activation sent F(s,k) ->
// F(s+1,k) and gradient sent B(s,k) -> B(s-1,k) across ranks. Opens in
// Perfetto (ui.perfetto.dev) and chrome://tracing.
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_TRACE_H
#define PIPE_PLAN_TRACE_H

#include "pipe/Plan/Plan.h"

#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace pipe::plan {

/// Writes the trace as printJson would print it (keys sorted, numbers
/// exact), streamed: no json::Value is built.
void writeTraceJson(llvm::raw_ostream &os, const Simulation &sim,
                    const std::vector<Stage> &stages);
/// writeTraceJson's text read back.
llvm::json::Value traceJson(const Simulation &sim,
                            const std::vector<Stage> &stages);
/// writeTraceJson's text and a newline.
std::string renderTrace(const Simulation &sim,
                        const std::vector<Stage> &stages);

/// A trace in this layout (pipec's or the generated program's `--trace`)
/// read back as a step: every "X" event is a slice on its track's rank, a
/// stage's rank is the track of its events, the makespan the span of all
/// slices and the bubble 1 - busy / (ranks x makespan). Errors name `what`
/// and the offending event.
struct TraceStep {
  Simulation sim;
  std::vector<Stage> stages;
};
llvm::Expected<TraceStep> readTraceJson(llvm::StringRef text,
                                        llvm::StringRef what);

} // namespace pipe::plan

#endif // PIPE_PLAN_TRACE_H
