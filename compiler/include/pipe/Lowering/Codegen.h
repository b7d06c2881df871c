//===- Codegen.h - Pieces of the lowering of a planned model to EmitC -----===//
#ifndef PIPE_LOWERING_CODEGEN_H
#define PIPE_LOWERING_CODEGEN_H

#include "pipe/Dialect/PipeOps.h"
#include "pipe/Lowering/BufferPlan.h"
#include "pipe/Plan/Plan.h"
#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include <string>
#include <vector>

namespace pipe::lowering {

/// One parameter tensor of the model, in model order.
struct ParamInfo {
  std::string name; ///< the op's `param` plus a suffix: "c3.linear1.weight"
  int64_t elements = 0;
  enum Init { Normal, Zeros, Ones } init = Normal;
  double std = 0;
  int stage = 0;
  std::vector<int64_t> shape; ///< row-major dims, product `elements`
  /// A tied copy on another stage: the index of the owner's entry (same
  /// name, same values); -1 for a parameter of its own.
  int tiedTo = -1;
};

/// Every parameter of `model`; `firstParam` maps each op with parameters to
/// the index of its first one (the rest follow in the op's fixed order).
std::vector<ParamInfo>
collectParams(ModelOp model, llvm::ArrayRef<int> cellStage,
              llvm::DenseMap<mlir::Operation *, int> &firstParam);

struct StageFunctions {
  mlir::emitc::FuncOp forward, backward, wgrad; ///< wgrad null without W
};

struct StageCodegenOptions {
  StageOp stageOp;        ///< the stage's cells
  int stage = 0;          ///< its position in the pipeline
  bool last = false;      ///< the stage computing the loss
  bool hasW = false;      ///< the schedule splits W from B
  bool recompute = false; ///< B (and W) rerun F first
  int64_t batch = 1;
};

/// Emits F, B (and W) of one stage as emitc.func ops at the builder's point.
/// Fails with a located error on a model the op library cannot run.
mlir::LogicalResult
emitStageFunctions(mlir::OpBuilder &builder, ModelOp model,
                   const StageBuffers &buffers,
                   const StageCodegenOptions &options,
                   const llvm::DenseMap<mlir::Operation *, int> &firstParam,
                   StageFunctions &out);

/// Everything the generated `makeSpec()` states about the program: the
/// compiler's decisions, which the runtime executes without re-deriving.
struct ProgramDescription {
  std::string model, source, schedule;
  uint64_t fingerprint = 0;
  int64_t ranks = 1, virtualStages = 1, microbatches = 1, batch = 1,
          dataParallel = 1;
  bool bf16 = false;
  struct Input {
    std::string name;
    bool isInt = false;
    std::vector<int64_t> sampleDims;
    int64_t vocab = 0;
  };
  std::vector<Input> inputs;
  std::vector<ParamInfo> params;
  struct Stage {
    int rank = 0;
    int slots = 1;
    std::vector<int> params, cells;
    const StageBuffers *buffers = nullptr;
    StageFunctions functions;
  };
  std::vector<Stage> stages;
  std::vector<plan::RankProgram> programs;
  std::string optimizer; ///< "adamw" or "sgd"
  double lr = 0, beta1 = 0, beta2 = 0, eps = 0, weightDecay = 0, momentum = 0;
  int64_t steps = 1, seed = 1, logEvery = 1;
  std::string data, dataFile;          ///< "synthetic" | "bytes" | "tokens"
  std::string lrSchedule = "Constant"; ///< pipert::LrSchedule enumerator
  int64_t warmup = 0;
  double minLr = 0, clipGrad = 0;
  std::string eval, evalFile; ///< "" (none) | "bytes" | "tokens"
  int64_t evalEvery = 100, evalBatches = 4;
  std::vector<int64_t> cellCutBytes;
  int64_t tokensPerSample = 0;
  /// The plan's prediction, for the end-of-run lines: each rank's
  /// peak_bytes, the backend they count for, and the step's makespan.
  std::vector<int64_t> predictedPeakBytes;
  std::string memoryBackend;
  double predictedStepUs = 0;
};

/// Emits `makeSpec()` (the description as data) and `main` at the builder's
/// point, after the stage functions it names.
void emitSpecAndMain(mlir::OpBuilder &builder, mlir::Location loc,
                     const ProgramDescription &program);

/// A stable 64-bit fingerprint of the model (names, shapes, parameters), not
/// of the strategy: a checkpoint written under one strategy resumes under
/// another.
uint64_t modelFingerprint(ModelOp model);

} // namespace pipe::lowering

#endif // PIPE_LOWERING_CODEGEN_H
