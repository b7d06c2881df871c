//===- Trace.cpp - Chrome trace-event JSON of a simulated step ----------===//
#include "pipe/Plan/Trace.h"
#include "pipe/Plan/PlanJson.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

namespace pipe::plan {

namespace {

/// Where each F and B ran, by (stage, mb), to anchor the flows: a flat table
/// (stages x micro-batches x 2) instead of a map node per action.
struct SliceIndex {
  int stages = 0, mbs = 0;
  std::vector<std::pair<int, const Simulation::Slice *>> at;
  SliceIndex(const Simulation &sim, int numStages) : stages(numStages) {
    for (const std::vector<Simulation::Slice> &rank : sim.slices)
      for (const Simulation::Slice &sl : rank)
        mbs = std::max(mbs, sl.action.mb + 1);
    at.assign(size_t(2) * stages * mbs, {-1, nullptr});
    for (int r = 0; r < int(sim.slices.size()); ++r)
      for (const Simulation::Slice &sl : sim.slices[r])
        if (auto *slot = find(sl.action.kind, sl.action.stage, sl.action.mb))
          *slot = {r, &sl};
  }
  std::pair<int, const Simulation::Slice *> *find(int kind, int stage, int mb) {
    if ((kind != Action::F && kind != Action::B) || stage < 0 ||
        stage >= stages || mb < 0 || mb >= mbs)
      return nullptr;
    return &at[(size_t(kind == Action::B) * stages + stage) * mbs + mb];
  }
};

} // namespace

// Streamed key by key in the sorted order printJson gives (pipec's trace of
// a large plan is millions of events; a json::Object each cost kilobytes).
void writeTraceJson(llvm::raw_ostream &os, const Simulation &sim,
                    const std::vector<Stage> &stages) {
  llvm::json::OStream out(os, /*IndentSize=*/2);
  auto num = [&](llvm::StringRef key, double value) {
    out.attributeBegin(key);
    writeJsonNumber(out, value);
    out.attributeEnd();
  };
  int ranks = sim.slices.size(), S = stages.size();
  auto metadata = [&](const char *name, int tid,
                      llvm::function_ref<void()> args) {
    out.object([&] {
      out.attributeObject("args", args);
      out.attribute("name", name);
      out.attribute("ph", "M");
      out.attribute("pid", 0);
      if (tid >= 0)
        out.attribute("tid", tid);
    });
  };
  auto events = [&] {
    metadata("process_name", -1, [&] { out.attribute("name", "pipec step"); });
    for (int r = 0; r < ranks; ++r) {
      metadata("thread_name", r,
               [&] { out.attribute("name", "rank " + std::to_string(r)); });
      metadata("thread_sort_index", r, [&] { out.attribute("sort_index", r); });
    }
    for (int r = 0; r < ranks; ++r)
      for (const Simulation::Slice &sl : sim.slices[r]) {
        const Action &a = sl.action;
        const char *kind = a.kind == Action::F   ? "F"
                           : a.kind == Action::B ? "B"
                                                 : "W";
        out.object([&] {
          out.attributeObject("args", [&] {
            out.attribute("mb", a.mb);
            out.attribute("stage", a.stage);
          });
          out.attribute("cat", kind);
          num("dur", sl.endUs - sl.startUs);
          out.attribute("name", std::string(kind) + " s" +
                                    std::to_string(a.stage) + " mb" +
                                    std::to_string(a.mb));
          out.attribute("ph", "X");
          out.attribute("pid", 0);
          out.attribute("tid", r);
          num("ts", sl.startUs);
        });
      }
    SliceIndex where(sim, S);
    int64_t id = 0;
    auto end = [&](int64_t flowId, const char *name, const char *ph,
                   std::pair<int, const Simulation::Slice *> at) {
      out.object([&] {
        if (*ph == 'f')
          out.attribute("bp", "e");
        out.attribute("cat", "transfer");
        out.attribute("id", flowId);
        out.attribute("name", name);
        out.attribute("ph", ph);
        out.attribute("pid", 0);
        out.attribute("tid", at.first);
        num("ts", (at.second->startUs + at.second->endUs) / 2);
      });
    };
    auto flow = [&](int kind, int from, int to, int mb, const char *name) {
      auto *src = where.find(kind, from, mb), *dst = where.find(kind, to, mb);
      if (!src || !dst || !src->second || !dst->second ||
          src->first == dst->first)
        return;
      ++id;
      end(id, name, "s", *src);
      end(id, name, "f", *dst);
    };
    for (int r = 0; r < ranks; ++r)
      for (const Simulation::Slice &sl : sim.slices[r]) {
        const Action &a = sl.action;
        if (a.kind == Action::F && a.stage + 1 < S)
          flow(Action::F, a.stage, a.stage + 1, a.mb, "activation");
        if (a.kind == Action::B && a.stage > 0)
          flow(Action::B, a.stage, a.stage - 1, a.mb, "gradient");
      }
  };
  out.object([&] {
    out.attribute("displayTimeUnit", "ns");
    out.attributeObject("otherData", [&] {
      num("bubble", sim.bubble);
      num("makespan_us", sim.makespanUs);
    });
    out.attributeArray("traceEvents", events);
  });
}

llvm::json::Value traceJson(const Simulation &sim,
                            const std::vector<Stage> &stages) {
  std::string text;
  llvm::raw_string_ostream os(text);
  writeTraceJson(os, sim, stages);
  return llvm::cantFail(llvm::json::parse(text));
}

std::string renderTrace(const Simulation &sim,
                        const std::vector<Stage> &stages) {
  std::string text;
  llvm::raw_string_ostream os(text);
  writeTraceJson(os, sim, stages);
  os << "\n";
  return text;
}

} // namespace pipe::plan
