//===- JobGen.cpp - MLIRGen of externs, the strategy and the train setup -===//
#include "JobGen.h"

#include "pipe/Dialect/PipeOps.h"

using namespace mlir;

namespace pipe::detail {

Location locOr(LocationAttr loc, Location fallback) {
  return loc ? Location(loc) : fallback;
}

static StringRef dataName(dsl::DataKind d) {
  switch (d) {
  case dsl::DataKind::Synthetic:
    return "synthetic";
  case dsl::DataKind::Bytes:
    return "bytes";
  case dsl::DataKind::Tokens:
    return "tokens";
  }
  llvm_unreachable("unknown data kind");
}

void genExterns(OpBuilder &b, const dsl::Program &program, Location fallback) {
  for (const dsl::ExternOp &ext : program.externs) {
    SmallVector<StringRef> params(ext.params.begin(), ext.params.end());
    ExternDeclOp::create(b, locOr(ext.loc, fallback), ext.name,
                         b.getStrArrayAttr(params), ext.file);
  }
}

void genStrategy(OpBuilder &b, const dsl::Strategy &s, Location fallback) {
  DenseI64ArrayAttr manual;
  if (s.partition == dsl::PartitionKind::Manual)
    manual = b.getDenseI64ArrayAttr(s.manual);
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  StrategyOp::create(b, locOr(s.loc, fallback), i64(s.ranks),
                     i64(s.virtualStages), i64(s.microbatches), i64(s.batch),
                     ScheduleKindAttr::get(b.getContext(), s.schedule),
                     PartitionKindAttr::get(b.getContext(), s.partition),
                     manual, b.getBoolAttr(s.recompute),
                     PrecisionAttr::get(b.getContext(), s.precision),
                     b.getStringAttr(s.device),
                     s.deviceIsFile ? b.getUnitAttr() : UnitAttr(),
                     i64(s.dataParallel));
}

void genTrain(OpBuilder &b, const dsl::Train &t, Location loc) {
  auto f64 = [&](double v) { return b.getF64FloatAttr(v); };
  StringAttr dataFile;
  if (t.data != dsl::DataKind::Synthetic)
    dataFile = b.getStringAttr(t.dataFile);
  // The recipe attributes are present only when set (constant lr, no
  // clipping and no eval print nothing).
  LrScheduleKindAttr schedule;
  IntegerAttr warmup, evalEvery, evalBatches;
  FloatAttr minLr, clip;
  StringAttr eval, evalFile;
  if (t.lrSchedule != LrScheduleKind::Constant) {
    schedule = LrScheduleKindAttr::get(b.getContext(), t.lrSchedule);
    warmup = b.getI64IntegerAttr(t.warmup);
    minLr = f64(t.minLr);
  }
  if (t.clipGrad > 0)
    clip = f64(t.clipGrad);
  if (t.eval != dsl::DataKind::Synthetic) {
    eval = b.getStringAttr(dataName(t.eval));
    evalFile = b.getStringAttr(t.evalFile);
    evalEvery = b.getI64IntegerAttr(t.evalEvery);
    evalBatches = b.getI64IntegerAttr(t.evalBatches);
  }
  TrainOp::create(b, loc, OptimizerKindAttr::get(b.getContext(), t.optimizer),
                  f64(t.lr), f64(t.beta1), f64(t.beta2), f64(t.eps),
                  f64(t.weightDecay), f64(t.momentum),
                  b.getI64IntegerAttr(t.steps), b.getI64IntegerAttr(t.seed),
                  b.getI64IntegerAttr(t.logEvery),
                  b.getStringAttr(dataName(t.data)), dataFile, schedule, warmup,
                  minLr, clip, eval, evalFile, evalEvery, evalBatches);
}

} // namespace pipe::detail
