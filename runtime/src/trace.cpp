// The measured timeline as Chrome trace-event JSON.
#include "trace.h"

#include "error.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace pipert {
namespace {

const char *kindName(ActionKind k) {
  return k == ActionKind::F ? "F" : k == ActionKind::B ? "B" : "W";
}

struct Where {
  int rank;
  double midUs;
};

} // namespace

void writeTrace(const std::string &path, const ModelSpec &spec,
                const std::vector<TraceSlices> &perRank) {
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f)
    throw RuntimeError("--trace " + path + ": cannot write");
  double start = 0, end = 0, busy = 0;
  bool first = true;
  for (const TraceSlices &rank : perRank)
    for (const auto &s : rank) {
      start = first ? s.startUs : std::min(start, s.startUs);
      end = first ? s.endUs : std::max(end, s.endUs);
      busy += s.endUs - s.startUs;
      first = false;
    }
  double makespan = end - start;
  double bubble =
      makespan > 0 ? 1 - busy / (double(perRank.size()) * makespan) : 0;
  std::fprintf(f,
               "{\"displayTimeUnit\": \"ns\", \"otherData\": {\"bubble\": "
               "%.17g, \"makespan_us\": %.17g, \"model\": \"%s\"},\n"
               "\"traceEvents\": [\n",
               bubble, makespan, spec.model.c_str());
  std::fprintf(f, "{\"args\": {\"name\": \"pipert step\"}, \"name\": "
                  "\"process_name\", \"ph\": \"M\", \"pid\": 0}");
  for (size_t r = 0; r < perRank.size(); ++r)
    std::fprintf(f,
                 ",\n{\"args\": {\"name\": \"rank %zu\"}, \"name\": "
                 "\"thread_name\", \"ph\": \"M\", \"pid\": 0, \"tid\": %zu},\n"
                 "{\"args\": {\"sort_index\": %zu}, \"name\": "
                 "\"thread_sort_index\", \"ph\": \"M\", \"pid\": 0, \"tid\": "
                 "%zu}",
                 r, r, r, r);
  // (kind, stage, mb) -> where it ran, for the flows.
  std::map<std::tuple<int, int, int>, Where> at;
  for (size_t r = 0; r < perRank.size(); ++r)
    for (const auto &s : perRank[r]) {
      const char *k = kindName(s.kind);
      std::fprintf(f,
                   ",\n{\"args\": {\"mb\": %d, \"stage\": %d}, \"cat\": \"%s\", "
                   "\"dur\": %.17g, \"name\": \"%s s%d mb%d\", \"ph\": \"X\", "
                   "\"pid\": 0, \"tid\": %zu, \"ts\": %.17g}",
                   s.mb, s.stage, k, s.endUs - s.startUs, k, s.stage, s.mb, r,
                   s.startUs - start);
      at[{int(s.kind), s.stage, s.mb}] = {
          int(r), (s.startUs + s.endUs) / 2 - start};
    }
  long long id = 0;
  auto flow = [&](const Where &from, const Where &to, const char *name) {
    ++id;
    std::fprintf(f,
                 ",\n{\"cat\": \"transfer\", \"id\": %lld, \"name\": \"%s\", "
                 "\"ph\": \"s\", \"pid\": 0, \"tid\": %d, \"ts\": %.17g},\n"
                 "{\"bp\": \"e\", \"cat\": \"transfer\", \"id\": %lld, "
                 "\"name\": \"%s\", \"ph\": \"f\", \"pid\": 0, \"tid\": %d, "
                 "\"ts\": %.17g}",
                 id, name, from.rank, from.midUs, id, name, to.rank, to.midUs);
  };
  int S = static_cast<int>(spec.stages.size());
  for (size_t r = 0; r < perRank.size(); ++r)
    for (const auto &s : perRank[r]) {
      Where here{int(r), (s.startUs + s.endUs) / 2 - start};
      int next = s.kind == ActionKind::F   ? s.stage + 1
                 : s.kind == ActionKind::B ? s.stage - 1
                                           : -1;
      if (next < 0 || next >= S || spec.stages[next].rank == int(r))
        continue;
      auto it = at.find({int(s.kind), next, s.mb});
      if (it != at.end())
        flow(here, it->second,
             s.kind == ActionKind::F ? "activation" : "gradient");
    }
  std::fprintf(f, "\n]}\n");
  if (std::fclose(f) != 0)
    throw RuntimeError("--trace " + path + ": cannot write");
}

std::string encodeTraceSlices(const TraceSlices &slices) {
  std::ostringstream os;
  os.precision(17);
  for (const auto &s : slices)
    os << int(s.kind) << ' ' << s.stage << ' ' << s.mb << ' ' << s.startUs
       << ' ' << s.endUs << '\n';
  return os.str();
}

TraceSlices decodeTraceSlices(const std::string &text) {
  std::istringstream is(text);
  TraceSlices out;
  int kind;
  StageRunner::TraceSlice s{};
  while (is >> kind >> s.stage >> s.mb >> s.startUs >> s.endUs) {
    s.kind = static_cast<ActionKind>(kind);
    out.push_back(s);
  }
  return out;
}

} // namespace pipert
