//===- PlanJson.cpp - Emitting the plan JSON and the stage summary -------===//
#include "pipe/Plan/PlanJson.h"
#include "pipe/Plan/Partition.h"
#include "pipe/Plan/Schedule.h"

#include "llvm/Support/FormatVariadic.h"
#include <algorithm>
#include <charconv>

using namespace llvm;

namespace pipe::plan {

/// "F", "B" or "W"; nullptr for transfers, which the plan's programs omit.
static const char *computeOpName(Action::Kind kind) {
  bool compute = kind == Action::F || kind == Action::B || kind == Action::W;
  return compute ? actionKindName(kind) : nullptr;
}

/// The shortest text that reads back as exactly `value` (40.998, not
/// 40.997999999999998): the plan prints the numbers pipec computed with, so
/// re-simulating the printed plan gives the printed makespan exactly.
std::string formatExactDouble(double value) {
  char text[32];
  std::to_chars_result end = std::to_chars(text, text + sizeof text, value);
  return std::string(text, end.ptr);
}

json::Value planToJson(const PlanInfo &plan) {
  json::Array cells;
  for (const CellCost &c : plan.cells)
    cells.push_back(json::Object{{"name", c.name},
                                 {"loc", c.loc},
                                 {"fwd_us", c.fwdUs},
                                 {"bwd_us", c.bwdUs},
                                 {"wgrad_us", c.wgradUs},
                                 {"param_bytes", c.paramBytes},
                                 {"act_bytes", c.actBytes},
                                 {"out_bytes", c.outBytes}});
  json::Array stages;
  for (const Stage &s : plan.stages)
    stages.push_back(json::Object{{"rank", s.rank},
                                  {"cells", json::Array{s.begin, s.end}},
                                  {"fwd_us", s.fwdUs},
                                  {"bwd_us", s.bwdUs},
                                  {"wgrad_us", s.wgradUs},
                                  {"send_us", s.sendUs},
                                  {"param_bytes", s.paramBytes},
                                  {"act_bytes", s.actBytes}});
  // The programs are most of the plan (ranks x micro-batches x 2-3 actions):
  // build each action object in place, without the initializer-list copies.
  json::Array programs;
  programs.reserve(plan.programs.size());
  for (const RankProgram &program : plan.programs) {
    json::Array actions;
    actions.reserve(program.size());
    for (const Action &a : program)
      if (const char *op = computeOpName(a.kind)) {
        json::Object action;
        action.try_emplace("op", op);
        action.try_emplace("stage", a.stage);
        action.try_emplace("mb", a.mb);
        actions.emplace_back(std::move(action));
      }
    programs.emplace_back(std::move(actions));
  }
  json::Array peaks;
  for (int64_t b : plan.simulation.peakBytes)
    peaks.push_back(b);
  return json::Object{
      {"version", 1},
      {"model", plan.model},
      {"ranks", plan.ranks},
      {"virtual", plan.virtualStages},
      {"stages", int64_t(plan.stages.size())},
      {"microbatches", plan.microbatches},
      {"batch", plan.batch},
      {"schedule", plan.schedule},
      {"partition", plan.partition},
      {"data_parallel", plan.dataParallel},
      {"device", json::Object{{"name", plan.deviceName},
                              {"memory_bytes", plan.deviceMemoryBytes}}},
      {"cells", std::move(cells)},
      {"stage_list", std::move(stages)},
      {"programs", std::move(programs)},
      {"simulation", json::Object{{"makespan_us", plan.simulation.makespanUs},
                                  {"bubble", plan.simulation.bubble},
                                  {"peak_bytes", std::move(peaks)}}}};
}

static void writeJson(json::OStream &out, const json::Value &value) {
  switch (value.kind()) {
  case json::Value::Object: {
    const json::Object &object = *value.getAsObject();
    std::vector<StringRef> keys;
    for (const auto &entry : object)
      keys.push_back(entry.first);
    llvm::sort(keys);
    out.object([&] {
      for (StringRef key : keys)
        out.attributeBegin(key), writeJson(out, *object.get(key)),
            out.attributeEnd();
    });
    return;
  }
  case json::Value::Array:
    out.array([&] {
      for (const json::Value &element : *value.getAsArray())
        writeJson(out, element);
    });
    return;
  case json::Value::Number:
    if (std::optional<int64_t> i = value.getAsInteger())
      out.value(*i);
    else
      out.rawValue(formatExactDouble(*value.getAsNumber()));
    return;
  default:
    out.value(value);
  }
}

void printJson(raw_ostream &os, const json::Value &value) {
  json::OStream out(os, /*IndentSize=*/2);
  writeJson(out, value);
}

void printPlanSummary(raw_ostream &os, const PlanInfo &plan) {
  double bottleneck = 0;
  for (const Stage &s : plan.stages)
    bottleneck = std::max(bottleneck, stageTimeUs(s));
  os << formatv("{0}: {1} stages on {2} ranks ({3} partition, {4} schedule, "
                "{5})\n",
                plan.model, plan.stages.size(), plan.ranks, plan.partition,
                plan.schedule, plan.deviceName);
  os << "stage rank cells        fwd_us    bwd_us  wgrad_us   total_us  "
        "share   send_us      state  act/mb\n";
  for (size_t i = 0; i < plan.stages.size(); ++i) {
    const Stage &s = plan.stages[i];
    double total = stageTimeUs(s);
    std::string cells = formatv("[{0}, {1})", s.begin, s.end).str();
    os << formatv("{0,5} {1,4} {2,-10} {3,9:F1} {4,9:F1} {5,9:F1} {6,10:F1} "
                  "{7,5:F1}% {8,9:F1} {9,10} {10}\n",
                  i, s.rank, cells, s.fwdUs, s.bwdUs, s.wgradUs, total,
                  bottleneck > 0 ? 100.0 * total / bottleneck : 100.0, s.sendUs,
                  formatMemory(s.stateBytes), formatMemory(s.actBytes));
  }
  for (size_t r = 0; r < plan.rankBytes.size(); ++r)
    os << formatv("rank {0}: {1} of {2}\n", r, formatMemory(plan.rankBytes[r]),
                  formatMemory(plan.deviceMemoryBytes));
}

} // namespace pipe::plan
