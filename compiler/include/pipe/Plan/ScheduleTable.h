//===- ScheduleTable.h - One row per pipeline schedule ------------------===//
//
// Everything pipec knows about a schedule is its row here: its name (the
// pipe::ScheduleKind enum's string), whether backward is split into B and W,
// its rule on `virtual`, where its stages sit, the most micro-batches it may
// keep in flight on a rank, and the builder of its compute order. The front
// end's diagnostics, the dialect's verifier, the partitioner, pipe-schedule
// and the auto search all read these rows; adding a schedule is adding a row
// and its builder.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_SCHEDULETABLE_H
#define PIPE_PLAN_SCHEDULETABLE_H

#include "pipe/Dialect/PipeEnums.h"
#include "pipe/Plan/Plan.h"

#include "llvm/ADT/ArrayRef.h"

#include <optional>
#include <string>
#include <vector>

namespace pipe::plan {

/// Where stage s of ranks x virtual stages runs.
enum class Placement {
  Cyclic, ///< rank s mod ranks
  V,      ///< zb-v's V: rank s for s < ranks, else 2 * ranks - 1 - s
};

/// What a schedule's order builder is given. `stages` holds each stage's
/// costs once the partition is known (null before, e.g. for the
/// partitioner's in-flight counts); a builder must give a complete,
/// deadlock-free order either way.
struct OrderRequest {
  int ranks = 1, virtualStages = 1, microbatches = 1;
  const std::vector<int> &stageRank;
  const std::vector<Stage> *stages = nullptr;
};
/// The compute actions (F, B and, when the schedule has W, W) of every rank.
using OrderBuilder = std::vector<RankProgram> (*)(const OrderRequest &);

struct ScheduleInfo {
  ScheduleKind kind;
  /// Backward split into B (input gradient) and W (weight gradient).
  bool hasW;
  /// `virtual` must lie in [minVirtual, maxVirtual]; maxVirtual 0: no bound.
  int minVirtual, maxVirtual;
  Placement placement;
  /// The most micro-batches rank `rank` of `ranks` may hold between their F
  /// and the end of their backward, per chunk-micro-batch (language.md's
  /// memory limit); 0 when the order alone bounds it.
  int (*inFlightLimit)(int ranks, int rank);
  OrderBuilder buildOrder;
};

/// Above this many (stage, micro-batch) pairs per step (ranks x virtual x
/// micro-batches, each 2 or 3 compute actions) pipec refuses a strategy
/// rather than run for minutes: 2^19 is 64 ranks x 8192 micro-batches, or
/// about a million F and B actions, which every emit kind handles in
/// bounded time and under 1 GB (bench/hostile-scale.sh; the IR still holds
/// an op per action, which is what -o's time is spent on).
constexpr int64_t kMaxActions = int64_t(1) << 19;

/// Every schedule, in the order diagnostics list them (auto is not one).
llvm::ArrayRef<ScheduleInfo> scheduleTable();
/// The row of `kind`; kind must not be ScheduleKind::Auto.
const ScheduleInfo &scheduleInfo(ScheduleKind kind);

/// "gpipe", "1f1b", ...: the enum's string.
const char *scheduleName(ScheduleKind kind);
/// A schedule of the table (not auto) by name.
std::optional<ScheduleKind> parseScheduleKind(llvm::StringRef name);
/// True for the zero-bubble schedules, whose backward is split into B and W.
inline bool scheduleHasW(ScheduleKind kind) { return scheduleInfo(kind).hasW; }

/// Whether the schedule allows `virtualStages`.
bool allowsVirtual(const ScheduleInfo &info, int64_t virtualStages);
/// Its rule as text: "virtual = 1", "virtual >= 2".
std::string virtualRule(const ScheduleInfo &info);
/// "gpipe, 1f1b, interleaved, zb-h1, zb-v": every schedule's name.
std::string scheduleNames(llvm::StringRef separator = ", ");

} // namespace pipe::plan

#endif // PIPE_PLAN_SCHEDULETABLE_H
