//===- Timeline.h - Text chart of a simulated step (--emit=timeline) ----===//
#ifndef PIPE_PLAN_TIMELINE_H
#define PIPE_PLAN_TIMELINE_H

#include "pipe/Plan/Plan.h"

#include <string>
#include <vector>

namespace pipe::plan {

/// One row per rank: "rank R |" then the step on a time axis. An action is
/// its kind letter and micro-batch ("F3", "B0", "W7"), followed by one prime
/// per chunk index on that rank when a rank holds several stages ("F3'" is
/// micro-batch 3 of the rank's second stage), padded with spaces to its
/// duration; idle time is '.'. The time unit is the shortest action, drawn
/// as (longest label + 1) columns, unless the chart would pass maxColumns,
/// in which case it is scaled down (labels then get cut). Then the
/// makespan, the bubble and every rank's peak memory.
std::string renderTimeline(const Simulation &sim,
                           const std::vector<Stage> &stages,
                           int maxColumns = 200);

/// Just the chart cells of one rank (no prefix), for tests and tools.
std::string renderTimelineRow(const Simulation &sim,
                              const std::vector<Stage> &stages, int rank,
                              int maxColumns = 200);

/// "F3'" for an action (see renderTimeline).
std::string timelineLabel(const Action &action,
                          const std::vector<Stage> &stages);

} // namespace pipe::plan

#endif // PIPE_PLAN_TIMELINE_H
