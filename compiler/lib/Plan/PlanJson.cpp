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
static StringRef exactDouble(double value, char (&text)[32]) {
  std::to_chars_result end = std::to_chars(text, text + sizeof text, value);
  return StringRef(text, end.ptr - text);
}

std::string formatExactDouble(double value) {
  char text[32];
  return exactDouble(value, text).str();
}

void writeJsonNumber(raw_ostream &os, double value) {
  // As printJson prints a json::Value holding `value`: integral numbers as
  // integers, others in their shortest exact text.
  if (std::optional<int64_t> i = json::Value(value).getAsInteger()) {
    os << *i;
    return;
  }
  char text[32];
  os << exactDouble(value, text);
}

void writeJsonNumber(json::OStream &out, double value) {
  out.rawValue([&](raw_ostream &os) { writeJsonNumber(os, value); });
}

// The plan is written key by key, in the sorted order printJson gives, with
// no json::Value in between: its programs are ranks x micro-batches x 2-3
// actions, and a json::Object per action cost kilobytes.
void writePlanJson(raw_ostream &os, const PlanInfo &plan) {
  json::OStream out(os, /*IndentSize=*/2);
  auto num = [&](StringRef key, double value) {
    out.attributeBegin(key);
    writeJsonNumber(out, value);
    out.attributeEnd();
  };
  auto integer = [&](StringRef key, int64_t value) {
    out.attribute(key, value);
  };
  out.object([&] {
    integer("batch", plan.batch);
    out.attributeArray("cells", [&] {
      for (const CellCost &c : plan.cells)
        out.object([&] {
          integer("act_bytes", c.actBytes);
          num("bwd_us", c.bwdUs);
          num("fwd_us", c.fwdUs);
          out.attribute("loc", c.loc);
          out.attribute("name", c.name);
          integer("out_bytes", c.outBytes);
          integer("param_bytes", c.paramBytes);
          num("wgrad_us", c.wgradUs);
        });
    });
    integer("data_parallel", plan.dataParallel);
    out.attributeObject("device", [&] {
      integer("memory_bytes", plan.deviceMemoryBytes);
      out.attribute("name", plan.deviceName);
    });
    out.attribute("memory_backend", plan.memoryBackend);
    integer("microbatches", plan.microbatches);
    out.attribute("model", plan.model);
    out.attribute("partition", plan.partition);
    out.attributeArray("programs", [&] {
      for (const RankProgram &program : plan.programs)
        out.array([&] {
          for (const Action &a : program)
            if (const char *op = computeOpName(a.kind))
              out.object([&] {
                integer("mb", a.mb);
                out.attribute("op", op);
                integer("stage", a.stage);
              });
        });
    });
    integer("ranks", plan.ranks);
    out.attribute("schedule", plan.schedule);
    out.attributeObject("simulation", [&] {
      num("bubble", plan.simulation.bubble);
      num("makespan_us", plan.simulation.makespanUs);
      out.attributeArray("peak_bytes", [&] {
        for (int64_t b : plan.simulation.peakBytes)
          out.value(b);
      });
    });
    out.attributeArray("stage_list", [&] {
      for (const Stage &s : plan.stages)
        out.object([&] {
          integer("act_bytes", s.actBytes);
          num("bwd_us", s.bwdUs);
          out.attributeArray("cells", [&] {
            out.value(s.begin);
            out.value(s.end);
          });
          num("fwd_us", s.fwdUs);
          integer("param_bytes", s.paramBytes);
          integer("rank", s.rank);
          num("send_us", s.sendUs);
          num("wgrad_us", s.wgradUs);
        });
    });
    integer("stages", int64_t(plan.stages.size()));
    integer("version", 1);
    integer("virtual", plan.virtualStages);
  });
}

json::Value planToJson(const PlanInfo &plan) {
  std::string text;
  raw_string_ostream os(text);
  writePlanJson(os, plan);
  return cantFail(json::parse(text));
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
  // What the generated program allocates (the simulation's peak_bytes).
  const std::vector<int64_t> &peak = plan.simulation.peakBytes.empty()
                                         ? plan.rankBytes
                                         : plan.simulation.peakBytes;
  for (size_t r = 0; r < peak.size(); ++r)
    os << formatv("rank {0}: {1} of {2} ({3} backend)\n", r,
                  formatMemory(peak[r]), formatMemory(plan.deviceMemoryBytes),
                  plan.memoryBackend);
}

} // namespace pipe::plan
