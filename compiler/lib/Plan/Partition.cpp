//===- Partition.cpp - Stage evaluation, uniform and manual splits --------===//
#include "PartitionTables.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <cstdio>

using namespace llvm;

namespace pipe::plan {

char InfeasibleMemoryError::ID = 0;

PartitionTables::PartitionTables(const std::vector<CellCost> &cells,
                                 const PartitionRequest &request,
                                 bool timeTable)
    : cells(cells), request(request), n(int(cells.size())) {
  work.resize(n);
  for (int c = 0; c < n; ++c)
    work[c] = cells[c].fwdUs + cells[c].bwdUs + cells[c].wgradUs +
              (request.recompute ? cells[c].fwdUs : 0);
  if (timeTable) {
    times.assign(size_t(n + 1) * (n + 1), 0.0);
    for (int b = 0; b < n; ++b) {
      double sum = 0;
      for (int e = b + 1; e <= n; ++e) {
        sum += work[e - 1];
        times[size_t(b) * (n + 1) + e] = sum;
      }
    }
  }
  statePre.assign(n + 1, 0);
  actPre.assign(n + 1, 0);
  for (int c = 0; c < n; ++c) {
    statePre[c + 1] = statePre[c] + cells[c].stateBytes;
    actPre[c + 1] = actPre[c] + cells[c].actBytes;
    for (const CellCost::TiedCopy &copy : cells[c].tied)
      ties.push_back({c, &copy});
  }
  // A slot is not monotone in its interval (boundary buffers), so the lower
  // bound takes the smallest over every interval: quadratic, like the time
  // table, so only with it. Without, 0 is the (valid, looser) bound.
  if (timeTable && request.memory &&
      request.capacityBytes != kUnlimitedBytes) {
    minKeep = kUnlimitedBytes;
    for (int b = 0; b < n; ++b)
      for (int e = b + 1; e <= n; ++e)
        minKeep = std::min(minKeep, keep(b, e));
  }
}

int64_t PartitionTables::maxKeep() const {
  if (request.memory)
    return request.memory->slotUpperBound();
  int64_t maxInput = 0;
  for (int b = 0; b < n; ++b)
    maxInput = std::max(maxInput, input(b));
  return std::max(act(0, n), maxInput);
}

int64_t PartitionTables::maxTransient() const {
  if (request.memory)
    return allocationBytes(request.memory->scratchBytes(0, n));
  return act(0, n);
}

int64_t PartitionTables::tiedCopies(int b, int e, bool paramBytes) const {
  // Models tie one or two tables, so a scan beats any index.
  int64_t bytes = 0;
  for (size_t i = 0; i < ties.size(); ++i) {
    const Tie &t = ties[i];
    if (t.cell < b || t.cell >= e ||
        (t.copy->ownerCell >= b && t.copy->ownerCell < e))
      continue;
    bool counted = false; // another cell of [b, e) reads the same table
    for (size_t j = 0; j < i && !counted; ++j)
      counted = ties[j].cell >= b && ties[j].copy->param == t.copy->param;
    if (!counted)
      bytes += paramBytes ? t.copy->paramBytes : t.copy->stateBytes;
  }
  return bytes;
}

int64_t PartitionTables::additiveLowerBound(int s) const {
  if (request.memory) {
    int64_t minState = kUnlimitedBytes;
    for (int b = 0; b < n; ++b)
      minState = std::min(minState, state(b, b + 1));
    return minState + allocationBytes(request.inFlight[s] * minKeep);
  }
  int64_t best = kUnlimitedBytes;
  for (int b = 0; b < n; ++b)
    best = std::min(best, additive(s, b, b + 1));
  return best;
}

std::vector<int64_t> relaxedStageCapacities(const PartitionTables &t) {
  const PartitionRequest &req = t.request;
  int S = req.numStages();
  std::vector<int64_t> lower(S), rankLower(req.ranks, 0), caps(S);
  for (int s = 0; s < S; ++s)
    rankLower[req.stageRank[s]] += lower[s] = t.additiveLowerBound(s);
  for (int s = 0; s < S; ++s)
    caps[s] = req.capacityBytes == kUnlimitedBytes
                  ? kUnlimitedBytes
                  : req.capacityBytes - (rankLower[req.stageRank[s]] - lower[s]);
  return caps;
}

std::vector<int64_t> rankMemory(const PartitionTables &t,
                                const std::vector<int> &bounds) {
  const PartitionRequest &req = t.request;
  std::vector<int64_t> sum(req.ranks, 0), peak(req.ranks, 0);
  for (int s = 0; s < req.numStages(); ++s) {
    int r = req.stageRank[s], b = bounds[s], e = bounds[s + 1];
    sum[r] += t.additive(s, b, e);
    peak[r] = std::max(peak[r], t.transient(b, e));
  }
  for (int r = 0; r < req.ranks; ++r)
    sum[r] += peak[r] + req.rankBaseBytes;
  return sum;
}

PartitionRequest searchRequest(const PartitionRequest &request) {
  PartitionRequest r = request;
  if (r.capacityBytes != kUnlimitedBytes)
    r.capacityBytes = std::max<int64_t>(-1, r.capacityBytes - r.rankBaseBytes);
  r.rankBaseBytes = 0;
  return r;
}

std::vector<int64_t> oneFOneBInFlight(const std::vector<int> &stageRank,
                                      int ranks, int microbatches) {
  std::vector<int64_t> inFlight;
  for (int r : stageRank)
    inFlight.push_back(std::min<int64_t>(ranks - r, microbatches));
  return inFlight;
}

double stageTimeUs(const Stage &stage) {
  return stage.fwdUs + stage.bwdUs + stage.wgradUs;
}

Partition evaluatePartition(const std::vector<CellCost> &cells,
                            const PartitionRequest &request,
                            std::vector<int> bounds) {
  // One time() per stage: no table.
  PartitionTables t(cells, request, /*timeTable=*/false);
  Partition p;
  int numStages = request.numStages();
  for (int s = 0; s < numStages; ++s) {
    Stage st;
    st.rank = request.stageRank[s];
    st.begin = bounds[s];
    st.end = bounds[s + 1];
    for (int c = st.begin; c < st.end; ++c) {
      st.fwdUs += cells[c].fwdUs;
      // Recompute: backward re-runs the forward first.
      st.bwdUs += cells[c].bwdUs + (request.recompute ? cells[c].fwdUs : 0);
      st.wgradUs += cells[c].wgradUs;
      st.paramBytes += cells[c].paramBytes;
    }
    st.paramBytes += t.tiedCopies(st.begin, st.end);
    bool remote =
        s + 1 < numStages && request.stageRank[s + 1] != request.stageRank[s];
    st.sendUs = remote ? cells[st.end - 1].sendUs : 0;
    st.stateBytes = t.state(st.begin, st.end);
    st.actBytes = t.keep(st.begin, st.end);
    if (request.memory)
      st.scratchBytes = request.memory->scratchBytes(st.begin, st.end);
    st.inBytes = t.input(st.begin);
    p.bottleneckUs = std::max(p.bottleneckUs, t.time(st.begin, st.end));
    p.stages.push_back(st);
  }
  p.rankBytes = rankMemory(t, bounds);
  p.bounds = std::move(bounds);
  return p;
}

std::string formatGiB(int64_t bytes) {
  return formatv("{0:F1} GiB", double(bytes) / double(int64_t(1) << 30)).str();
}

std::string formatMemory(int64_t bytes) {
  if (bytes >= (int64_t(1) << 30))
    return formatGiB(bytes);
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / double(1 << 20));
  return text;
}

std::string InfeasibleMemoryError::text() const {
  std::string s;
  raw_string_ostream os(s);
  os << "rank " << rank << " needs " << formatMemory(needBytes)
     << " but the device has " << formatMemory(capacityBytes) << " (" << what
     << "); use more ranks, " << (recompute ? "" : "set recompute = true, ")
     << "or a smaller batch";
  return s;
}

void InfeasibleMemoryError::log(raw_ostream &os) const { os << text(); }

/// The evaluated split, or an InfeasibleMemoryError naming its fullest rank.
static Expected<Partition> checkedPartition(const std::vector<CellCost> &cells,
                                            const PartitionRequest &request,
                                            std::vector<int> bounds,
                                            StringRef what) {
  Partition p = evaluatePartition(cells, request, std::move(bounds));
  auto worst = std::max_element(p.rankBytes.begin(), p.rankBytes.end());
  if (*worst > request.capacityBytes)
    return make_error<InfeasibleMemoryError>(int(worst - p.rankBytes.begin()),
                                             *worst, request.capacityBytes,
                                             request.recompute, what.str());
  return p;
}

Error checkStageCount(size_t numCells, const PartitionRequest &request) {
  if (request.numStages() < 1 || size_t(request.numStages()) > numCells)
    return createStringError(
        inconvertibleErrorCode(),
        formatv("{0} stages need at least {0} cells, the model has {1}",
                request.numStages(), numCells));
  return Error::success();
}

Expected<Partition> partitionUniform(const std::vector<CellCost> &cells,
                                     const PartitionRequest &request) {
  if (Error err = checkStageCount(cells.size(), request))
    return std::move(err);
  int n = int(cells.size()), S = request.numStages();
  std::vector<int> bounds{0};
  for (int s = 0; s < S; ++s)
    bounds.push_back(bounds.back() + n / S + (s < n % S ? 1 : 0));
  return checkedPartition(cells, request, std::move(bounds),
                          "uniform partition");
}

Expected<Partition> partitionManual(const std::vector<CellCost> &cells,
                                    const PartitionRequest &request,
                                    const std::vector<int64_t> &counts) {
  int S = request.numStages();
  if (int(counts.size()) != S)
    return createStringError(
        inconvertibleErrorCode(),
        formatv("manual partition lists {0} stages, the strategy has {1} "
                "(ranks x virtual)",
                counts.size(), S));
  std::vector<int> bounds{0};
  int64_t sum = 0;
  for (int s = 0; s < S; ++s) {
    if (counts[s] < 1)
      return createStringError(
          inconvertibleErrorCode(),
          formatv("manual partition: stage {0} has {1} cells, need at least 1",
                  s, counts[s]));
    sum += counts[s];
    if (sum > int64_t(cells.size()))
      break;
    bounds.push_back(int(sum));
  }
  if (sum != int64_t(cells.size()))
    return createStringError(
        inconvertibleErrorCode(),
        formatv("manual partition covers {0} cells, the model has {1}", sum,
                cells.size()));
  return checkedPartition(cells, request, std::move(bounds),
                          "manual partition");
}

llvm::Expected<Partition>
partitionCells(PartitionKind kind, const std::vector<CellCost> &cells,
               const PartitionRequest &request,
               const std::vector<int64_t> &manualCounts) {
  switch (kind) {
  case PartitionKind::Uniform:
    return partitionUniform(cells, request);
  case PartitionKind::Manual:
    return partitionManual(cells, request, manualCounts);
  case PartitionKind::Balanced:
    break;
  }
  return partitionBalanced(cells, request);
}

} // namespace pipe::plan
