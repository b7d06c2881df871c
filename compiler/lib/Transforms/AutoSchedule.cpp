//===- AutoSchedule.cpp - pipe-auto-schedule: choose the strategy ---------===//
//
// Every configuration plan::enumerateAuto yields is applied to the strategy
// in turn, split by partitionStrategy (pipe-partition's routine) and scored
// by plan::scoreConfig (the schedule's order in the simulator); the best
// that fits is applied for good and the ranked table recorded. The
// diagnostics of the trials are captured, not printed: a configuration that
// fails only ranks as not fitting, with its first error as the reason.
//
//===----------------------------------------------------------------------===//
#include "pipe/Plan/Auto.h"
#include "pipe/Plan/ScheduleTable.h"
#include "pipe/Transforms/CellCosts.h"
#include "pipe/Transforms/Passes.h"
#include "pipe/Transforms/StrategyPartition.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>
#include <tuple>

namespace pipe {
#define GEN_PASS_DEF_PIPEAUTOSCHEDULE
#include "pipe/Transforms/Passes.h.inc"
} // namespace pipe

using namespace mlir;

namespace pipe {
namespace {

using ConfigKey = std::tuple<int, int, int, bool>;
ConfigKey keyOf(const plan::AutoConfig &c) {
  return {int(c.schedule), c.virtualStages, c.microbatches, c.recompute};
}

/// Sets the strategy's searched keys to `config`.
void applyConfig(StrategyOp strategy, const plan::AutoConfig &config) {
  Builder b(strategy.getContext());
  strategy.setScheduleAttr(
      ScheduleKindAttr::get(b.getContext(), config.schedule));
  strategy.setVirtualStagesAttr(b.getI64IntegerAttr(config.virtualStages));
  strategy.setMicrobatchesAttr(b.getI64IntegerAttr(config.microbatches));
  strategy.setBatchAttr(b.getI64IntegerAttr(config.batch));
  strategy.setRecomputeAttr(b.getBoolAttr(config.recompute));
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

/// The ranked table pipec prints before the summary.
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
    std::string peak = c.peakBytes ? plan::formatMemory(c.peakBytes) : "-";
    os << llvm::formatv("{0,4} {1,-11} {2,7} {3,11}  {4,-9} {5,13} {6,7} "
                        "{7,11}  {8}\n",
                        i + 1, plan::scheduleName(c.config.schedule),
                        c.config.virtualStages, shape,
                        c.config.recompute ? "on" : "off", time, bubble, peak,
                        c.fits ? std::string("yes") : "no: " + c.note);
  }
  return text;
}

/// Partitions and scores one configuration on `strategy` (left with the
/// configuration applied).
plan::AutoCandidate evaluate(ModelOp model, StrategyOp strategy,
                             const plan::AutoConfig &config,
                             StringRef profile) {
  applyConfig(strategy, config);
  std::string firstError;
  ScopedDiagnosticHandler silent(model.getContext(), [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty())
      firstError = diag.str();
    return success();
  });
  MemoryShortfall shortfall;
  FailureOr<StrategyPartition> split =
      partitionStrategy(model, strategy, profile, &shortfall);
  if (succeeded(split)) {
    plan::AutoCandidate cand =
        plan::scoreConfig(config, int(strategy.getRanks()),
                          split->partition.stages, split->capacityBytes,
                          split->rankBaseBytes);
    if (!cand.fits) // non-fitting rows sort by need
      cand.makespanUs = cand.bubble = 0;
    return cand;
  }
  plan::AutoCandidate cand;
  cand.config = config;
  cand.peakBytes = shortfall.needBytes;
  cand.shortRank = shortfall.rank;
  cand.shortNeedBytes = shortfall.needBytes;
  cand.capacityBytes = shortfall.capacityBytes;
  cand.note = shortfall.rank >= 0
                  ? llvm::formatv("rank {0} needs {1} of {2}", shortfall.rank,
                                  plan::formatMemory(shortfall.needBytes),
                                  plan::formatMemory(shortfall.capacityBytes))
                        .str()
                  : firstError;
  return cand;
}

/// The error when nothing fits, naming the closest memory shortfall.
LogicalResult reportNoneFits(StrategyOp strategy,
                             ArrayRef<plan::AutoCandidate> ranked) {
  InFlightDiagnostic diag = strategy.emitError()
                            << "schedule = auto: none of the " << ranked.size()
                            << " candidates fits the device's memory";
  const plan::AutoCandidate *closest = nullptr;
  for (const plan::AutoCandidate &cand : ranked)
    if (cand.shortRank >= 0 &&
        (!closest || cand.shortNeedBytes < closest->shortNeedBytes))
      closest = &cand;
  if (closest)
    diag << "; the closest, " << describe(closest->config) << ", needs "
         << plan::formatMemory(closest->shortNeedBytes) << " ("
         << closest->shortNeedBytes << " bytes) on rank " << closest->shortRank
         << " but the device has " << plan::formatMemory(closest->capacityBytes)
         << " (" << closest->capacityBytes << " bytes)";
  else
    diag << "; the first, " << describe(ranked.front().config) << ": "
         << ranked.front().note;
  return diag;
}

struct PipeAutoSchedulePass : impl::PipeAutoScheduleBase<PipeAutoSchedulePass> {
  using PipeAutoScheduleBase::PipeAutoScheduleBase;

  void runOnOperation() override {
    if (failed(run(getOperation())))
      signalPassFailure();
  }

  LogicalResult run(ModuleOp module) {
    auto strategies = module.getOps<StrategyOp>();
    if (strategies.empty() ||
        (*strategies.begin()).getSchedule() != ScheduleKind::Auto)
      return success();
    StrategyOp strategy = *strategies.begin();
    FailureOr<ModelOp> model = getModel(module, "schedule = auto");
    if (failed(model) || failed(loadDevice(strategy)))
      return failure();

    plan::AutoSpace space;
    space.ranks = int(strategy.getRanks());
    space.globalBatch = strategy.getMicrobatches() * strategy.getBatch();
    space.maxStages = int(llvm::range_size(model->getCells()));
    int64_t written = strategy.getVirtualStages();
    bool manual = strategy.getManual().has_value();
    if (manual) // a manual list fixes the stages: virtual is the one written
      space.virtuals = {int(written)};
    else if (written >= 2 && !llvm::is_contained(space.virtuals, written))
      space.virtuals.push_back(int(written));
    int64_t stages = space.ranks * written;

    // Every configuration the search may try, less those the scheduler
    // would refuse for their size and, under a manual list, those with
    // another stage count.
    std::map<ConfigKey, bool> wanted;
    size_t pruned = 0;
    for (const plan::AutoConfig &config : plan::enumerateAuto(space)) {
      if (manual && int64_t(space.ranks) * config.virtualStages != stages)
        continue;
      if (int64_t(space.ranks) * config.virtualStages * config.microbatches >
          plan::kMaxActions) {
        ++pruned;
        continue;
      }
      wanted[keyOf(config)] = true;
    }
    if (wanted.empty())
      return strategy.emitError()
             << "schedule = auto has no configuration to try: "
             << (manual ? "the manual partition's stage count fits no schedule"
                        : "no schedule fits the ranks and cells");

    std::vector<plan::AutoCandidate> ranked =
        plan::searchAuto(space,
                         [&](const plan::AutoConfig &config)
                             -> std::optional<plan::AutoCandidate> {
                           if (!wanted.count(keyOf(config)))
                             return std::nullopt;
                           return evaluate(*model, strategy, config, profile);
                         });
    // Among those that do not fit, memory shortfalls (by need, closest
    // first) before other failures.
    {
      std::vector<plan::AutoCandidate> order, unknown;
      for (plan::AutoCandidate &cand : ranked)
        (cand.fits || cand.peakBytes > 0 ? order : unknown)
            .push_back(std::move(cand));
      order.insert(order.end(), unknown.begin(), unknown.end());
      ranked = std::move(order);
    }
    if (!ranked.front().fits)
      return reportNoneFits(strategy, ranked);
    applyConfig(strategy, ranked.front().config);
    module->setAttr(
        kAutoReportAttr,
        StringAttr::get(module.getContext(), renderTable(ranked, pruned)));
    return success();
  }
};

} // namespace
} // namespace pipe
