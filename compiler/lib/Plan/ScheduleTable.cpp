//===- ScheduleTable.cpp - The rows of the schedule table ---------------===//
#include "pipe/Plan/ScheduleTable.h"
#include "ScheduleBuilders.h"

#include "llvm/ADT/STLExtras.h"

#include <cassert>

namespace pipe::plan {

static int noLimit(int, int) { return 0; }
/// 1F1B's rank 0 (p micro-batches) on every rank, counted from F to W.
static int zbH1Limit(int ranks, int) { return ranks; }
/// Qi et al.'s ZB-H2: 2p - 1 micro-batches.
static int zbH2Limit(int ranks, int) { return 2 * ranks - 1; }
/// A V chunk holds half of a rank's layers, so 2 * ranks chunk-micro-batches
/// are 1F1B's first-rank activation bytes.
static int vLimit(int ranks, int) { return 2 * ranks; }

llvm::ArrayRef<ScheduleInfo> scheduleTable() {
  static const ScheduleInfo rows[] = {
      // kind, hasW, virtual [min, max], placement, in-flight limit, builder
      {ScheduleKind::GPipe, false, 1, 1, Placement::Cyclic, noLimit,
       buildGPipeOrder},
      {ScheduleKind::OneFOneB, false, 1, 1, Placement::Cyclic, noLimit,
       build1F1BOrder},
      {ScheduleKind::Interleaved, false, 2, 0, Placement::Cyclic, noLimit,
       buildInterleavedOrder},
      {ScheduleKind::ZBH1, true, 1, 1, Placement::Cyclic, zbH1Limit,
       buildZBH1Order},
      {ScheduleKind::ZBH2, true, 1, 1, Placement::Cyclic, zbH2Limit,
       buildZBH2Order},
      {ScheduleKind::ZBV, true, 2, 2, Placement::V, vLimit, buildZBVOrder},
  };
  return rows;
}

const ScheduleInfo &scheduleInfo(ScheduleKind kind) {
  for (const ScheduleInfo &row : scheduleTable())
    if (row.kind == kind)
      return row;
  assert(false && "auto has no row: the driver resolves it first");
  return scheduleTable().front();
}

const char *scheduleName(ScheduleKind kind) {
  return stringifyScheduleKind(kind).data();
}

std::optional<ScheduleKind> parseScheduleKind(llvm::StringRef name) {
  std::optional<ScheduleKind> kind = symbolizeScheduleKind(name);
  if (!kind || *kind == ScheduleKind::Auto)
    return std::nullopt;
  return kind;
}

bool allowsVirtual(const ScheduleInfo &info, int64_t virtualStages) {
  return virtualStages >= info.minVirtual &&
         (info.maxVirtual == 0 || virtualStages <= info.maxVirtual);
}

std::string virtualRule(const ScheduleInfo &info) {
  if (info.minVirtual == info.maxVirtual)
    return "virtual = " + std::to_string(info.minVirtual);
  std::string rule = "virtual >= " + std::to_string(info.minVirtual);
  if (info.maxVirtual != 0)
    rule += " and <= " + std::to_string(info.maxVirtual);
  return rule;
}

std::string scheduleNames(llvm::StringRef separator) {
  std::string names;
  for (const ScheduleInfo &row : scheduleTable()) {
    if (!names.empty())
      names += separator;
    names += scheduleName(row.kind);
  }
  return names;
}

} // namespace pipe::plan
