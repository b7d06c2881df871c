//===- ConvertPipeToEmitC.cpp - A planned model becomes an EmitC program --===//
#include "pipe/Lowering/Codegen.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"
#include "pipe/Transforms/PlanBuilder.h"
#include "pipe/Transforms/Passes.h"
#include "pipe/Transforms/ProgramIR.h"
#include "pipe/Transforms/StagePlanIR.h"

#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace pipe {
#define GEN_PASS_DEF_CONVERTPIPETOEMITC
#include "pipe/Transforms/Passes.h.inc"
} // namespace pipe

namespace pipe {
namespace {

using namespace lowering;

/// The smallest id bound any use of an i32 input implies (embedding vocab,
/// cross-entropy classes), so synthetic data and the data check agree.
int64_t idBound(Value input) {
  int64_t bound = 0;
  auto take = [&](int64_t v) { bound = bound ? std::min(bound, v) : v; };
  for (Operation *user : input.getUsers()) {
    if (auto e = dyn_cast<EmbeddingOp>(user))
      take(e.getVocab());
    if (auto ce = dyn_cast<CrossEntropyOp>(user))
      take(ce.getLogits().getType().getShape().back());
  }
  return bound;
}

std::string sourceFile(ModelOp model) {
  Location loc = model.getLoc();
  if (auto fl = dyn_cast<FileLineColLoc>(loc))
    return fl.getFilename().str();
  return "";
}

struct ConvertPipeToEmitCPass
    : impl::ConvertPipeToEmitCBase<ConvertPipeToEmitCPass> {
  ConvertPipeToEmitCPass() = default;
  explicit ConvertPipeToEmitCPass(const plan::PlanInfo &plan) : given(&plan) {}

  /// The module's plan when the caller has it; else built here.
  const plan::PlanInfo *given = nullptr;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto models = module.getOps<ModelOp>();
    auto strategies = module.getOps<StrategyOp>();
    auto trains = module.getOps<TrainOp>();
    if (models.empty() || strategies.empty() || trains.empty()) {
      module.emitError("convert-pipe-to-emitc needs a pipe.model, a "
                       "pipe.strategy and a pipe.train");
      return signalPassFailure();
    }
    ModelOp model = *models.begin();
    StrategyOp strategy = *strategies.begin();
    TrainOp train = *trains.begin();
    FailureOr<SmallVector<StageOp>> stages = getStageOps(module);
    // The runtime names every action by the stage on its own rank, as the
    // programs do.
    FailureOr<std::vector<plan::RankProgram>> programs = readPrograms(module);
    if (failed(stages) || failed(programs))
      return signalPassFailure();

    int64_t batch = strategy.getBatch();
    bool recompute = strategy.getRecompute();
    plan::ScheduleKind schedule = strategy.getSchedule();
    bool hasW = plan::scheduleHasW(schedule);
    int numCells = static_cast<int>(llvm::range_size(model.getCells()));

    std::vector<int> cellStage;
    for (auto [s, stage] : llvm::enumerate(*stages))
      cellStage.insert(cellStage.end(), llvm::range_size(stage.getCells()),
                       int(s));

    ProgramDescription p;
    p.model = model.getSymName().str();
    p.source = sourceFile(model);
    p.schedule = plan::scheduleName(schedule);
    p.fingerprint = modelFingerprint(model);
    p.ranks = strategy.getRanks();
    p.virtualStages = strategy.getVirtualStages();
    p.microbatches = strategy.getMicrobatches();
    p.batch = batch;
    p.dataParallel = strategy.getDataParallel();
    p.bf16 = strategy.getPrecision() == Precision::BF16;
    auto names = model.getInputNames();
    for (BlockArgument arg : model.getInputs()) {
      auto type = cast<RankedTensorType>(arg.getType());
      ProgramDescription::Input in;
      in.name = cast<StringAttr>(names[arg.getArgNumber()]).str();
      in.isInt = type.getElementType().isInteger(32);
      in.sampleDims.assign(type.getShape().begin() + 1, type.getShape().end());
      in.vocab = in.isInt ? idBound(arg) : 0;
      p.inputs.push_back(in);
    }
    if (!p.inputs.empty() && p.inputs[0].isInt &&
        p.inputs[0].sampleDims.size() == 1)
      p.tokensPerSample = p.inputs[0].sampleDims[0];

    llvm::DenseMap<Operation *, int> firstParam;
    p.params = collectParams(model, cellStage, firstParam);
    for (int c = 0; c < numCells; ++c) {
      int64_t bytes = 0;
      if (c + 1 < numCells)
        for (Value v : boundaryValues(model, c + 1))
          bytes += 4 * numElements(v.getType(), batch);
      p.cellCutBytes.push_back(bytes);
    }
    p.programs = *programs;
    p.optimizer = stringifyOptimizerKind(train.getOptimizer()).str();
    p.lr = train.getLr().convertToDouble();
    p.beta1 = train.getBeta1().convertToDouble();
    p.beta2 = train.getBeta2().convertToDouble();
    p.eps = train.getEps().convertToDouble();
    p.weightDecay = train.getWeightDecay().convertToDouble();
    p.momentum = train.getMomentum().convertToDouble();
    p.steps = train.getSteps();
    p.seed = train.getSeed();
    p.logEvery = train.getLogEvery();
    p.data = train.getData().str();
    // The front end resolved the data file against the .pipe file; make it
    // absolute so the program runs from any directory.
    auto absolute = [](llvm::StringRef file) {
      llvm::SmallString<256> path(file);
      llvm::sys::fs::make_absolute(path);
      llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
      return path.str().str();
    };
    if (train.getDataFile())
      p.dataFile = absolute(*train.getDataFile());
    if (auto schedule = train.getLrSchedule()) {
      p.lrSchedule = *schedule == LrScheduleKind::Cosine ? "Cosine" : "Linear";
      p.warmup = train.getWarmup().value_or(0);
      p.minLr = train.getMinLr() ? train.getMinLr()->convertToDouble() : 0;
    }
    if (auto clip = train.getClipGrad())
      p.clipGrad = clip->convertToDouble();
    if (auto eval = train.getEval()) {
      p.eval = eval->str();
      p.evalFile = absolute(train.getEvalFile().value_or(""));
      p.evalEvery = train.getEvalEvery().value_or(100);
      p.evalBatches = train.getEvalBatches().value_or(4);
    }

    // Emit the program after the existing ops, then drop the pipe ops.
    SmallVector<Operation *> old;
    for (Operation &op : module.getBody()->getOperations())
      old.push_back(&op);
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = model.getLoc();
    emitc::IncludeOp::create(b, loc, "pipert/pipert.h");
    emitc::IncludeOp::create(b, loc, "pipert/codegen.h");
    if (!module.getOps<ExternDeclOp>().empty())
      emitc::IncludeOp::create(b, loc, "extern_ops.h");

    // The plan's prediction; its stage bytes are the buffer plan's.
    std::optional<plan::PlanInfo> built;
    if (!given) {
      FailureOr<plan::PlanInfo> info = buildPlanInfo(module);
      if (failed(info))
        return signalPassFailure();
      built = std::move(*info);
    }
    const plan::PlanInfo *info = given ? given : &*built;
    p.predictedPeakBytes = info->simulation.peakBytes;
    p.predictedStepUs = info->simulation.makespanUs;
    p.memoryBackend = info->memoryBackend;
    std::vector<StageBuffers> buffers;
    buffers.reserve(stages->size());
    for (size_t s = 0; s < stages->size(); ++s) {
      const plan::Stage &st = info->stages[s];
      buffers.push_back(planStage((*stages)[s], batch, recompute));
      if (buffers.back().slotBytes != st.actBytes ||
          buffers.back().scratchBytes != st.scratchBytes) {
        strategy.emitError() << "internal error: stage cells [" << st.begin
                             << ", " << st.end << ") plan a "
                             << buffers.back().slotBytes << "-byte slot, the "
                             << "memory model counts " << st.actBytes;
        return signalPassFailure();
      }
    }
    std::vector<std::vector<int>> slots;
    for (const plan::RankProgram &program : info->programs)
      slots.push_back(plan::slotsPerStage(program, int(stages->size())));
    for (size_t s = 0; s < stages->size(); ++s) {
      StageOp stage = (*stages)[s];
      ProgramDescription::Stage out;
      out.rank = static_cast<int>(stage.getRank());
      out.buffers = &buffers[s];
      out.slots = slots[out.rank][s];
      for (size_t k = 0; k < p.params.size(); ++k)
        if (p.params[k].stage == static_cast<int>(s))
          out.params.push_back(static_cast<int>(k));
      for (int c = buffers[s].begin; c < buffers[s].end; ++c)
        out.cells.push_back(c);
      StageCodegenOptions options;
      options.stageOp = stage;
      options.stage = static_cast<int>(s);
      options.last = s + 1 == stages->size();
      options.hasW = hasW;
      options.recompute = recompute;
      options.batch = batch;
      if (failed(emitStageFunctions(b, model, buffers[s], options, firstParam,
                                    out.functions)))
        return signalPassFailure();
      p.stages.push_back(out);
    }
    emitSpecAndMain(b, loc, p);
    // The buffer plan, for pipec to report: every slot and scratch size.
    SmallVector<Attribute> report;
    for (size_t s = 0; s < p.stages.size(); ++s)
      report.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("stage", b.getI64IntegerAttr(s)),
           b.getNamedAttr("rank", b.getI64IntegerAttr(p.stages[s].rank)),
           b.getNamedAttr("slots", b.getI64IntegerAttr(p.stages[s].slots)),
           b.getNamedAttr("slot_bytes",
                          b.getI64IntegerAttr(buffers[s].slotBytes)),
           b.getNamedAttr("scratch_bytes",
                          b.getI64IntegerAttr(buffers[s].scratchBytes))}));
    module->setAttr("pipe.buffer_plan", b.getArrayAttr(report));
    for (Operation *op : llvm::reverse(old))
      op->erase();
  }
};

} // namespace

std::unique_ptr<Pass> createConvertPipeToEmitC(const plan::PlanInfo &plan) {
  return std::make_unique<ConvertPipeToEmitCPass>(plan);
}

} // namespace pipe
