//===- PipeJobOps.cpp - Value ranges of strategy, train and extern ops ---===//
#include "pipe/Dialect/PipeOps.h"
#include "pipe/Plan/ScheduleTable.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace pipe;

/// A double as written in source: shortest form, no trailing zeros.
static std::string formatDouble(double value) {
  SmallString<16> text;
  APFloat(value).toString(text, /*FormatPrecision=*/0, /*FormatMaxPadding=*/3,
                          /*TruncateZero=*/true);
  return std::string(text);
}

/// Checks `value` is one of `allowed`; the message lists them.
static LogicalResult checkOneOf(Operation *op, StringRef key, StringRef value,
                                ArrayRef<StringRef> allowed) {
  if (llvm::is_contained(allowed, value))
    return success();
  InFlightDiagnostic diag = op->emitOpError() << "unknown " << key << " '"
                                              << value << "' (expected ";
  llvm::interleave(
      allowed, [&](StringRef a) { diag << a; }, [&] { diag << ", "; });
  return diag << ")";
}

LogicalResult ExternDeclOp::verify() {
  if (getParams().empty())
    return emitOpError() << "needs at least one parameter";
  llvm::StringSet<> seen;
  for (Attribute param : getParams())
    if (!seen.insert(cast<StringAttr>(param).getValue()).second)
      return emitOpError() << "repeats parameter '"
                           << cast<StringAttr>(param).getValue() << "'";
  if (getFile().empty())
    return emitOpError() << "needs the file that defines it";
  return success();
}

/// The schedule's rule on `virtual`, from its row of the schedule table;
/// "auto" has none, its search chooses virtual.
static LogicalResult verifyVirtualRule(StrategyOp op) {
  if (op.getSchedule() == ScheduleKind::Auto)
    return success();
  const plan::ScheduleInfo &row = plan::scheduleInfo(op.getSchedule());
  int64_t v = op.getVirtualStages();
  if (plan::allowsVirtual(row, v))
    return success();
  return op.emitOpError() << "schedule '" << plan::scheduleName(row.kind)
                          << "' needs " << plan::virtualRule(row) << ", got "
                          << v;
}

LogicalResult StrategyOp::verify() {
  if (failed(verifyVirtualRule(*this)))
    return failure();
  if (!getDeviceIsFile() && failed(checkOneOf(*this, "device", getDevice(),
                                              {"h100", "h200", "a100", "cpu"})))
    return failure();
  if (getDeviceIsFile() && getDevice().empty())
    return emitOpError() << "device_is_file needs a device-profile path";

  int64_t stages = getNumStages();
  std::optional<ArrayRef<int64_t>> manual = getManual();
  if ((getPartition() == PartitionKind::Manual) != manual.has_value())
    return emitOpError() << "a 'manual' list is given exactly when partition "
                            "= \"manual\"";
  if (manual) {
    if ((int64_t)manual->size() != stages)
      return emitOpError() << "manual partition lists " << manual->size()
                           << " stages, but ranks x virtual = " << stages;
    for (int64_t cells : *manual)
      if (cells < 1)
        return emitOpError() << "manual partition gives a stage " << cells
                             << " cells; each needs at least 1";
  }

  // Against the model, when the module has one.
  auto module = dyn_cast_or_null<ModuleOp>((*this)->getParentOp());
  if (!module)
    return success();
  // Under "auto" without a manual list the search chooses virtual: only the
  // ranks must not exceed the cells.
  bool searchesVirtual = getSchedule() == ScheduleKind::Auto && !manual;
  for (ModelOp model : module.getOps<ModelOp>()) {
    int64_t cells = llvm::range_size(model.getCells());
    if (searchesVirtual && int64_t(getRanks()) > cells)
      return emitOpError() << "ranks = " << getRanks() << " exceed the model's "
                           << cells << " cells";
    if (!searchesVirtual && stages > cells)
      return emitOpError() << "ranks x virtual = " << stages
                           << " stages exceed the model's " << cells
                           << " cells";
    if (manual) {
      int64_t sum = 0;
      for (int64_t c : *manual)
        sum += c;
      if (sum != cells)
        return emitOpError() << "manual partition covers " << sum
                             << " cells, but the model has " << cells;
    }
  }
  return success();
}

LogicalResult TrainOp::verify() {
  if (failed(checkOneOf(*this, "data", getData(),
                        {"synthetic", "bytes", "tokens"})))
    return failure();
  double lr = getLr().convertToDouble();
  double beta1 = getBeta1().convertToDouble();
  double beta2 = getBeta2().convertToDouble();
  double eps = getEps().convertToDouble();
  double wd = getWeightDecay().convertToDouble();
  double momentum = getMomentum().convertToDouble();
  // Written so that NaN fails every check.
  if (!(lr > 0))
    return emitOpError() << "lr must be positive, got " << formatDouble(lr);
  if (!(beta1 >= 0 && beta1 < 1))
    return emitOpError() << "beta1 must be in [0, 1), got "
                         << formatDouble(beta1);
  if (!(beta2 >= 0 && beta2 < 1))
    return emitOpError() << "beta2 must be in [0, 1), got "
                         << formatDouble(beta2);
  if (!(eps > 0))
    return emitOpError() << "eps must be positive, got " << formatDouble(eps);
  if (!(wd >= 0))
    return emitOpError() << "weight_decay must be >= 0, got "
                         << formatDouble(wd);
  if (!(momentum >= 0 && momentum < 1))
    return emitOpError() << "momentum must be in [0, 1), got "
                         << formatDouble(momentum);
  bool needsFile = getData() != "synthetic";
  if (needsFile != (getDataFile().has_value() && !getDataFile()->empty()))
    return emitOpError() << "data '" << getData() << "' "
                         << (needsFile ? "needs a data_file"
                                       : "takes no data_file");
  return verifyRecipe();
}

/// The recipe attributes: lr schedule, clipping, eval.
LogicalResult TrainOp::verifyRecipe() {
  if (auto schedule = getLrSchedule()) {
    if (*schedule == LrScheduleKind::Constant)
      return emitOpError() << "a constant lr_schedule is written by leaving "
                              "lr_schedule out";
    if (!getWarmup() || !getMinLr())
      return emitOpError() << "lr_schedule needs warmup and min_lr";
    if (*getWarmup() < 0 || *getWarmup() >= getSteps())
      return emitOpError() << "warmup must be in [0, steps), got "
                           << *getWarmup();
    double minLr = getMinLr()->convertToDouble();
    if (!(minLr >= 0 && minLr <= getLr().convertToDouble()))
      return emitOpError() << "min_lr must be in [0, lr], got "
                           << formatDouble(minLr);
    if (*schedule == LrScheduleKind::Linear && minLr != 0)
      return emitOpError() << "a linear lr_schedule decays to 0; min_lr "
                              "must be 0";
  }
  if (auto clip = getClipGrad(); clip && !(clip->convertToDouble() > 0))
    return emitOpError() << "clip_grad must be positive when present, got "
                         << formatDouble(clip->convertToDouble());
  if (auto eval = getEval()) {
    if (*eval != "bytes" && *eval != "tokens")
      return emitOpError() << "eval must be \"bytes\" or \"tokens\", got \""
                           << *eval << "\"";
    if (!getEvalFile() || getEvalFile()->empty() || !getEvalEvery() ||
        !getEvalBatches())
      return emitOpError() << "eval needs eval_file, eval_every and "
                              "eval_batches";
    if (*getEvalEvery() < 1 || *getEvalBatches() < 1)
      return emitOpError() << "eval_every and eval_batches must be >= 1";
  }
  return success();
}
