//===- AutoSchedule.cpp - schedule = auto: choose the strategy by simulation
//===//
//
// When the strategy says `schedule = auto`, every configuration of
// plan::enumerateAuto (schedule x virtual x micro-batch count under the same
// global batch x recompute) is tried on a clone of the module: its strategy
// attributes are set, pipe-partition, pipe-schedule and pipe-verify-schedule
// run silently, and buildPlanInfo simulates the step. A configuration whose
// passes fail (no split fits memory, ...) or whose simulated peak exceeds
// the device is recorded as not fitting, with the reason. plan::searchAuto
// ranks them (fitting first, by makespan); the best becomes the module's
// strategy, so every later phase plans, simulates and generates exactly it.
//
//===----------------------------------------------------------------------===//
#include "pipe/Dialect/PipeOps.h"
#include "pipe/Driver/Compilation.h"
#include "pipe/Plan/Auto.h"
#include "pipe/Plan/MeasuredProfile.h"
#include "pipe/Plan/Partition.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Transforms/CellCosts.h"
#include "pipe/Transforms/Passes.h"
#include "pipe/Transforms/PlanBuilder.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <map>
#include <tuple>

using namespace mlir;

namespace pipe::driver {
namespace {

/// Why a configuration does not fit, as far as it is known.
struct Shortfall {
  int rank = -1;    ///< the fullest rank; -1: not a memory problem
  int64_t need = 0; ///< its bytes
  int64_t capacity = 0;
};

using ConfigKey = std::tuple<int, int, int, bool>;
ConfigKey keyOf(const plan::AutoConfig &c) {
  return {int(c.schedule), c.virtualStages, c.microbatches, c.recompute};
}

/// Sets the strategy's searched keys to `config`.
void applyConfig(StrategyOp strategy, const plan::AutoConfig &config) {
  Builder b(strategy.getContext());
  strategy.setScheduleAttr(
      b.getStringAttr(plan::scheduleName(config.schedule)));
  strategy.setVirtualStagesAttr(b.getI64IntegerAttr(config.virtualStages));
  strategy.setMicrobatchesAttr(b.getI64IntegerAttr(config.microbatches));
  strategy.setBatchAttr(b.getI64IntegerAttr(config.batch));
  strategy.setRecomputeAttr(b.getBoolAttr(config.recompute));
}

/// The memory shortfall of the strategy's partition, as pipe-partition
/// measures it (the same costs, request and partitioner); rank -1 when the
/// partition fits or fails for another reason.
Shortfall partitionShortfall(ModuleOp module, StrategyOp strategy,
                             StringRef profile) {
  Shortfall none;
  FailureOr<ModelOp> model = getModel(module, "schedule = auto");
  FailureOr<plan::DeviceProfile> device = loadDevice(strategy);
  if (failed(model) || failed(device))
    return none;
  FailureOr<std::vector<plan::CellCost>> cells =
      estimateModelCosts(*model, strategy, *device);
  if (failed(cells))
    return none;
  if (!profile.empty())
    if (llvm::Error err = plan::applyMeasuredProfileFile(profile, *cells)) {
      llvm::consumeError(std::move(err));
      return none;
    }
  std::optional<plan::ScheduleKind> kind =
      plan::parseScheduleKind(strategy.getSchedule().str());
  if (!kind)
    return none;
  plan::PartitionRequest request =
      partitionRequest(strategy,
                       plan::stagePlacement(*kind, int(strategy.getRanks()),
                                            int(strategy.getVirtualStages())),
                       device->memoryBytes);
  llvm::Expected<plan::Partition> partition = [&] {
    if (strategy.getPartition() == "uniform")
      return plan::partitionUniform(*cells, request);
    if (std::optional<ArrayRef<int64_t>> manual = strategy.getManual())
      return plan::partitionManual(
          *cells, request,
          std::vector<int64_t>(manual->begin(), manual->end()));
    return plan::partitionBalanced(*cells, request);
  }();
  if (partition)
    return none;
  Shortfall s;
  llvm::handleAllErrors(
      partition.takeError(),
      [&](const plan::InfeasibleMemoryError &e) {
        s = {e.rank, e.needBytes, e.capacityBytes};
      },
      [](const llvm::ErrorInfoBase &) {});
  return s;
}

/// GiB for big figures, MiB below one GiB (as the summary prints memory).
std::string formatMemory(int64_t bytes) {
  if (bytes >= (int64_t(1) << 30))
    return plan::formatGiB(bytes);
  return llvm::formatv("{0:F1} MiB", double(bytes) / double(1 << 20)).str();
}

/// "zb-h1 virtual 1, 8 micro-batches of 4, recompute off"
std::string describe(const plan::AutoConfig &c) {
  return llvm::formatv("{0} virtual {1}, {2} micro-batch{3} of {4}, "
                       "recompute {5}",
                       plan::scheduleName(c.schedule), c.virtualStages,
                       c.microbatches, c.microbatches == 1 ? "" : "es", c.batch,
                       c.recompute ? "on" : "off")
      .str();
}

/// The ranked table the driver prints before the summary.
std::string renderTable(ArrayRef<plan::AutoCandidate> ranked, size_t pruned) {
  std::string text;
  llvm::raw_string_ostream os(text);
  const plan::AutoCandidate &best = ranked.front();
  os << "auto: " << ranked.size() << " candidates";
  if (pruned)
    os << " (" << pruned << " more over the schedule's action limit)";
  os << llvm::formatv("; best: {0}: {1:F3} us\n", describe(best.config),
                      best.makespanUs);
  os << "rank schedule    virtual  mb x batch  recompute   makespan_us  "
        "bubble      memory  fits\n";
  for (size_t i = 0; i < ranked.size(); ++i) {
    const plan::AutoCandidate &c = ranked[i];
    std::string shape =
        llvm::formatv("{0} x {1}", c.config.microbatches, c.config.batch);
    std::string time =
        c.fits ? llvm::formatv("{0:F3}", c.makespanUs).str() : std::string("-");
    std::string bubble = c.fits
                             ? llvm::formatv("{0:F1}%", 100.0 * c.bubble).str()
                             : std::string("-");
    std::string peak = c.peakBytes ? formatMemory(c.peakBytes) : "-";
    os << llvm::formatv("{0,4} {1,-11} {2,7} {3,11}  {4,-9} {5,13} {6,7} "
                        "{7,11}  {8}\n",
                        i + 1, plan::scheduleName(c.config.schedule),
                        c.config.virtualStages, shape,
                        c.config.recompute ? "on" : "off", time, bubble, peak,
                        c.fits ? std::string("yes") : "no: " + c.note);
  }
  return text;
}

} // namespace

LogicalResult resolveAutoSchedule(Compilation &c) {
  auto strategies = c.module->getOps<StrategyOp>();
  if (strategies.empty() || (*strategies.begin()).getSchedule() != "auto")
    return success();
  StrategyOp strategy = *strategies.begin();
  FailureOr<ModelOp> model = getModel(*c.module, "schedule = auto");
  if (failed(model))
    return failure();

  plan::AutoSpace space;
  space.ranks = int(strategy.getRanks());
  space.globalBatch = strategy.getMicrobatches() * strategy.getBatch();
  space.maxStages = int(llvm::range_size(model->getCells()));
  int64_t written = strategy.getVirtualStages();
  if (std::optional<ArrayRef<int64_t>> manual = strategy.getManual()) {
    // A manual list fixes the stages, so virtual is the one written.
    space.virtuals = {int(written)};
  } else if (written >= 2 && !llvm::is_contained(space.virtuals, written)) {
    space.virtuals.push_back(int(written));
  }
  int64_t stages = space.ranks * written;
  bool manual = strategy.getManual().has_value();

  // Every configuration the search may try, less those the scheduler would
  // refuse for their size (StagePlacement.cpp's limit, 2^24 actions) and,
  // under a manual list, those with another stage count.
  constexpr int64_t kMaxActions = int64_t(1) << 24;
  std::vector<plan::AutoConfig> configs;
  size_t pruned = 0;
  for (const plan::AutoConfig &config : plan::enumerateAuto(space)) {
    if (manual && int64_t(space.ranks) * config.virtualStages != stages)
      continue;
    if (int64_t(space.ranks) * config.virtualStages * config.microbatches >
        kMaxActions) {
      ++pruned;
      continue;
    }
    configs.push_back(config);
  }
  if (configs.empty())
    return strategy.emitError()
           << "schedule = auto has no configuration to try: "
           << (manual ? "the manual partition's stage count fits no schedule"
                      : "no schedule fits the ranks and cells");

  // The search evaluates exactly `configs` (searchAuto enumerates the space
  // again; the others are left out as infeasible).
  std::map<ConfigKey, bool> wanted;
  for (const plan::AutoConfig &config : configs)
    wanted[keyOf(config)] = true;
  std::map<ConfigKey, Shortfall> shortfalls;
  PipePartitionOptions partitionOptions;
  partitionOptions.profile = c.options.profileFile;
  auto evaluate = [&](const plan::AutoConfig &config)
      -> std::optional<plan::AutoCandidate> {
    if (!wanted.count(keyOf(config)))
      return std::nullopt;
    OwningOpRef<ModuleOp> trial = c.module->clone();
    StrategyOp trialStrategy = *trial->getOps<StrategyOp>().begin();
    applyConfig(trialStrategy, config);
    plan::AutoCandidate candidate;
    candidate.config = config;
    std::string firstError;
    ScopedDiagnosticHandler silent(&c.context, [&](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty())
        firstError = diag.str();
      return success();
    });
    PassManager pm(&c.context);
    pm.addPass(createPipePartition(partitionOptions));
    pm.addPass(createPipeSchedule());
    pm.addPass(createPipeVerifySchedule());
    FailureOr<plan::PlanInfo> info = failure();
    if (succeeded(pm.run(*trial)))
      info = buildPlanInfo(*trial);
    if (failed(info)) {
      Shortfall s =
          partitionShortfall(*trial, trialStrategy, c.options.profileFile);
      shortfalls[keyOf(config)] = s;
      candidate.peakBytes = s.need;
      candidate.note = s.rank >= 0 ? llvm::formatv("rank {0} needs {1} of {2}",
                                                   s.rank, formatMemory(s.need),
                                                   formatMemory(s.capacity))
                                         .str()
                                   : firstError;
      return candidate;
    }
    const plan::Simulation &sim = info->simulation;
    candidate.makespanUs = sim.makespanUs;
    candidate.bubble = sim.bubble;
    candidate.fits = sim.complete;
    if (!sim.complete)
      candidate.note = "the simulated step does not complete";
    for (size_t r = 0; r < sim.peakBytes.size(); ++r) {
      candidate.peakBytes = std::max(candidate.peakBytes, sim.peakBytes[r]);
      if (candidate.fits && sim.peakBytes[r] > info->deviceMemoryBytes) {
        candidate.fits = false;
        shortfalls[keyOf(config)] = {int(r), sim.peakBytes[r],
                                     info->deviceMemoryBytes};
        candidate.note = llvm::formatv("rank {0} needs {1} of {2}", r,
                                       formatMemory(sim.peakBytes[r]),
                                       formatMemory(info->deviceMemoryBytes))
                             .str();
      }
    }
    if (!candidate.fits) // non-fitting rows sort by need
      candidate.makespanUs = candidate.bubble = 0;
    return candidate;
  };
  std::vector<plan::AutoCandidate> ranked = plan::searchAuto(space, evaluate);
  // Among those that do not fit, memory shortfalls (by need, closest first)
  // before other failures.
  {
    std::vector<plan::AutoCandidate> order, unknown;
    for (plan::AutoCandidate &cand : ranked)
      (cand.fits || cand.peakBytes > 0 ? order : unknown)
          .push_back(std::move(cand));
    order.insert(order.end(), unknown.begin(), unknown.end());
    ranked = std::move(order);
  }

  const plan::AutoCandidate &best = ranked.front();
  if (!best.fits) {
    InFlightDiagnostic diag =
        strategy.emitError() << "schedule = auto: none of the " << ranked.size()
                             << " candidates fits the device's memory";
    // The closest: the smallest need among memory shortfalls.
    const plan::AutoCandidate *closest = nullptr;
    Shortfall need;
    for (const plan::AutoCandidate &cand : ranked) {
      auto it = shortfalls.find(keyOf(cand.config));
      if (it != shortfalls.end() && it->second.rank >= 0 &&
          (!closest || it->second.need < need.need)) {
        closest = &cand;
        need = it->second;
      }
    }
    if (closest)
      diag << "; the closest, " << describe(closest->config) << ", needs "
           << formatMemory(need.need) << " (" << need.need << " bytes) on rank "
           << need.rank << " but the device has " << formatMemory(need.capacity)
           << " (" << need.capacity << " bytes)";
    else
      diag << "; the first, " << describe(best.config) << ": " << best.note;
    return diag;
  }
  applyConfig(strategy, best.config);
  c.autoReport = renderTable(ranked, pruned);
  return success();
}

} // namespace pipe::driver
