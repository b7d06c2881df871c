//===- PlanJson.h - The plan as JSON (`--emit=plan`) and as a summary ----===//
#ifndef PIPE_PLAN_PLANJSON_H
#define PIPE_PLAN_PLANJSON_H

#include "pipe/Plan/Plan.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"
#include <string>
#include <vector>

namespace pipe::plan {

/// Everything pipec.md's plan object holds.
struct PlanInfo {
  std::string model;
  int ranks = 1, virtualStages = 1, microbatches = 1, batch = 1;
  int dataParallel = 1;
  std::string schedule;  ///< "1f1b", ...
  std::string partition; ///< "balanced", "uniform" or "manual"
  std::string deviceName;
  int64_t deviceMemoryBytes = 0;
  /// The backend whose allocations peak_bytes counts: "host" or "cuda".
  std::string memoryBackend = "cuda";
  std::vector<CellCost> cells;
  std::vector<Stage> stages;
  /// Each rank's memory need as the partitioner evaluated the split (the
  /// same model as the simulation's peak_bytes, with the schedule's
  /// in-flight bound for the slots; not part of the JSON).
  std::vector<int64_t> rankBytes;
  std::vector<RankProgram> programs; ///< compute actions are emitted
  Simulation simulation;
};

/// Writes the plan object with exactly pipec.md's keys as printJson would
/// print it (keys sorted, numbers exact), streamed: no json::Value is built.
void writePlanJson(llvm::raw_ostream &os, const PlanInfo &plan);
/// writePlanJson's text read back, for callers that inspect the plan.
llvm::json::Value planToJson(const PlanInfo &plan);
/// `value` as printJson prints a number: integral ones as integers.
void writeJsonNumber(llvm::json::OStream &out, double value);
/// The same number written as text to `os`.
void writeJsonNumber(llvm::raw_ostream &os, double value);
/// The shortest decimal text that reads back as exactly `value`.
std::string formatExactDouble(double value);

/// Writes `value` indented, with numbers as short as they round-trip at 15
/// significant digits (40.998, not 40.997999999999998) and keys sorted.
void printJson(llvm::raw_ostream &os, const llvm::json::Value &value);

/// One row per stage: rank, cells, F/B/W time, memory, and its share of the
/// bottleneck; then each rank's memory against the capacity.
void printPlanSummary(llvm::raw_ostream &os, const PlanInfo &plan);

} // namespace pipe::plan

#endif // PIPE_PLAN_PLANJSON_H
