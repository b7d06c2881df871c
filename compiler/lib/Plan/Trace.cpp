//===- Trace.cpp - Chrome trace-event JSON of a simulated step ----------===//
#include "pipe/Plan/Trace.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <tuple>

namespace pipe::plan {

using llvm::json::Array;
using llvm::json::Object;

llvm::json::Value traceJson(const Simulation &sim,
                            const std::vector<Stage> &stages) {
  Array events;
  events.push_back(Object{{"name", "process_name"},
                          {"ph", "M"},
                          {"pid", 0},
                          {"args", Object{{"name", "pipec step"}}}});
  int ranks = sim.slices.size();
  for (int r = 0; r < ranks; ++r) {
    events.push_back(
        Object{{"name", "thread_name"},
               {"ph", "M"},
               {"pid", 0},
               {"tid", r},
               {"args", Object{{"name", "rank " + std::to_string(r)}}}});
    events.push_back(Object{{"name", "thread_sort_index"},
                            {"ph", "M"},
                            {"pid", 0},
                            {"tid", r},
                            {"args", Object{{"sort_index", r}}}});
  }
  // (kind, stage, mb) -> (rank, slice) to anchor the flows.
  std::map<std::tuple<int, int, int>, std::pair<int, const Simulation::Slice *>>
      where;
  for (int r = 0; r < ranks; ++r)
    for (const Simulation::Slice &sl : sim.slices[r]) {
      const Action &a = sl.action;
      const char *kind = a.kind == Action::F   ? "F"
                         : a.kind == Action::B ? "B"
                                               : "W";
      where[{a.kind, a.stage, a.mb}] = {r, &sl};
      events.push_back(
          Object{{"name", std::string(kind) + " s" + std::to_string(a.stage) +
                              " mb" + std::to_string(a.mb)},
                 {"cat", kind},
                 {"ph", "X"},
                 {"pid", 0},
                 {"tid", r},
                 {"ts", sl.startUs},
                 {"dur", sl.endUs - sl.startUs},
                 {"args", Object{{"stage", a.stage}, {"mb", a.mb}}}});
    }
  int64_t id = 0;
  auto flow = [&](int kind, int from, int to, int mb, const char *name) {
    auto src = where.find({kind, from, mb}), dst = where.find({kind, to, mb});
    if (src == where.end() || dst == where.end() ||
        src->second.first == dst->second.first)
      return;
    const Simulation::Slice *a = src->second.second, *b = dst->second.second;
    ++id;
    events.push_back(Object{{"name", name},
                            {"cat", "transfer"},
                            {"ph", "s"},
                            {"id", id},
                            {"pid", 0},
                            {"tid", src->second.first},
                            {"ts", (a->startUs + a->endUs) / 2}});
    events.push_back(Object{{"name", name},
                            {"cat", "transfer"},
                            {"ph", "f"},
                            {"bp", "e"},
                            {"id", id},
                            {"pid", 0},
                            {"tid", dst->second.first},
                            {"ts", (b->startUs + b->endUs) / 2}});
  };
  int S = stages.size();
  for (int r = 0; r < ranks; ++r)
    for (const Simulation::Slice &sl : sim.slices[r]) {
      const Action &a = sl.action;
      if (a.kind == Action::F && a.stage + 1 < S)
        flow(Action::F, a.stage, a.stage + 1, a.mb, "activation");
      if (a.kind == Action::B && a.stage > 0)
        flow(Action::B, a.stage, a.stage - 1, a.mb, "gradient");
    }
  return Object{{"traceEvents", std::move(events)},
                {"displayTimeUnit", "ns"},
                {"otherData", Object{{"makespan_us", sim.makespanUs},
                                     {"bubble", sim.bubble}}}};
}

std::string renderTrace(const Simulation &sim,
                        const std::vector<Stage> &stages) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", traceJson(sim, stages)) << "\n";
  return text;
}

} // namespace pipe::plan
