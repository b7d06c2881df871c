//===- Trace.cpp - Chrome trace-event JSON of a simulated step ----------===//
#include "pipe/Plan/Trace.h"

#include "pipe/Plan/PlanJson.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

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

/// Writes the events of the trace one per line (a large plan's trace is
/// millions of events: indenting their keys would double the bytes). Each
/// line is the text json::OStream prints for the event, keys sorted, written
/// directly: every string in it is plain ASCII that needs no escapes.
class EventLines {
public:
  explicit EventLines(llvm::raw_ostream &os) : os(os) {}
  /// Starts the next event object.
  llvm::raw_ostream &begin() {
    os << (first ? "\n{" : ",\n{");
    first = false;
    return os;
  }
  /// The number `value` as printJson prints it.
  llvm::raw_ostream &num(double value) {
    writeJsonNumber(os, value);
    return os;
  }

private:
  llvm::raw_ostream &os;
  bool first = true;
};

} // namespace

// Streamed key by key in the sorted order printJson gives: the header on the
// first line, then one event per line.
void writeTraceJson(llvm::raw_ostream &os, const Simulation &sim,
                    const std::vector<Stage> &stages) {
  int ranks = sim.slices.size(), S = stages.size();
  os << "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"bubble\":";
  writeJsonNumber(os, sim.bubble);
  os << ",\"makespan_us\":";
  writeJsonNumber(os, sim.makespanUs);
  os << "},\"traceEvents\":[";
  EventLines event(os);
  event.begin() << "\"args\":{\"name\":\"pipec step\"},\"name\":"
                   "\"process_name\",\"ph\":\"M\",\"pid\":0}";
  for (int r = 0; r < ranks; ++r) {
    event.begin() << "\"args\":{\"name\":\"rank " << r
                  << "\"},\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,"
                     "\"tid\":"
                  << r << '}';
    event.begin() << "\"args\":{\"sort_index\":" << r
                  << "},\"name\":\"thread_sort_index\",\"ph\":\"M\","
                     "\"pid\":0,\"tid\":"
                  << r << '}';
  }
  for (int r = 0; r < ranks; ++r)
    for (const Simulation::Slice &sl : sim.slices[r]) {
      const Action &a = sl.action;
      const char *kind = a.kind == Action::F   ? "F"
                         : a.kind == Action::B ? "B"
                                               : "W";
      event.begin() << "\"args\":{\"mb\":" << a.mb << ",\"stage\":" << a.stage
                    << "},\"cat\":\"" << kind << "\",\"dur\":";
      event.num(sl.endUs - sl.startUs)
          << ",\"name\":\"" << kind << " s" << a.stage << " mb" << a.mb
          << "\",\"ph\":\"X\",\"pid\":0,\"tid\":" << r << ",\"ts\":";
      event.num(sl.startUs) << '}';
    }
  SliceIndex where(sim, S);
  int64_t id = 0;
  auto end = [&](int64_t flowId, const char *name, const char *ph,
                 std::pair<int, const Simulation::Slice *> at) {
    event.begin() << (*ph == 'f' ? "\"bp\":\"e\"," : "")
                  << "\"cat\":\"transfer\",\"id\":" << flowId << ",\"name\":\""
                  << name << "\",\"ph\":\"" << ph
                  << "\",\"pid\":0,\"tid\":" << at.first << ",\"ts\":";
    event.num((at.second->startUs + at.second->endUs) / 2) << '}';
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
  os << "\n]}\n";
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

static constexpr double kMaxTraceUs = 1e12;

llvm::Expected<TraceStep> readTraceJson(llvm::StringRef text,
                                        llvm::StringRef what) {
  auto fail = [&](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   (what + ": " + msg).str());
  };
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed)
    return fail("invalid JSON: " + llvm::toString(parsed.takeError()));
  const llvm::json::Object *root = parsed->getAsObject();
  const llvm::json::Array *events =
      root ? root->getArray("traceEvents") : nullptr;
  if (!events)
    return fail("no \"traceEvents\" array");
  TraceStep step;
  double start = 0, end = 0, busy = 0;
  bool any = false;
  for (size_t i = 0; i < events->size(); ++i) {
    const llvm::json::Object *e = (*events)[i].getAsObject();
    if (!e || e->getString("ph") != "X")
      continue;
    std::optional<int64_t> tid = e->getInteger("tid");
    std::optional<double> ts = e->getNumber("ts"), dur = e->getNumber("dur");
    std::optional<llvm::StringRef> cat = e->getString("cat");
    const llvm::json::Object *args = e->getObject("args");
    std::optional<int64_t> stage =
        args ? args->getInteger("stage") : std::nullopt;
    std::optional<int64_t> mb = args ? args->getInteger("mb") : std::nullopt;
    if (!tid || *tid < 0 || *tid > 4096 || !ts || !dur || *dur < 0 || !cat ||
        (*cat != "F" && *cat != "B" && *cat != "W") || !stage || *stage < 0 ||
        *stage > 65536 || !mb || *mb < 0)
      return fail("event " + llvm::Twine(i) +
                  " is not a slice with tid, ts, dur, cat F/B/W and args "
                  "stage and mb");
    // Finite, and within about 11 days either way (as measured profiles):
    // the chart's scale is computed from them.
    if (!std::isfinite(*ts) || !std::isfinite(*dur) ||
        std::fabs(*ts) > kMaxTraceUs || *dur > kMaxTraceUs)
      return fail("event " + llvm::Twine(i) +
                  ": ts and dur must be finite and at most 1e12 us");
    int r = int(*tid), s = int(*stage);
    if (step.sim.slices.size() <= size_t(r))
      step.sim.slices.resize(r + 1);
    if (step.stages.size() <= size_t(s))
      step.stages.resize(s + 1);
    step.stages[s].rank = r;
    Action a{*cat == "F"   ? Action::F
             : *cat == "B" ? Action::B
                           : Action::W,
             s, int(*mb), -1};
    step.sim.slices[r].push_back({a, *ts, *ts + *dur});
    start = any ? std::min(start, *ts) : *ts;
    end = any ? std::max(end, *ts + *dur) : *ts + *dur;
    busy += *dur;
    any = true;
  }
  if (!any)
    return fail("no complete (\"X\") events");
  for (std::vector<Simulation::Slice> &rank : step.sim.slices) {
    for (Simulation::Slice &sl : rank) {
      sl.startUs -= start;
      sl.endUs -= start;
    }
    std::sort(rank.begin(), rank.end(), [](const auto &a, const auto &b) {
      return a.startUs < b.startUs;
    });
  }
  step.sim.makespanUs = end - start;
  step.sim.bubble =
      step.sim.makespanUs > 0
          ? 1 - busy / (double(step.sim.slices.size()) * step.sim.makespanUs)
          : 0;
  return step;
}

} // namespace pipe::plan
