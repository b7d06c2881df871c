//===- Model.h - The checked model and strategy that sema hands on -----===//
//
// The front end's output: blocks inlined, repeats unrolled, constants folded,
// shapes inferred. MLIRGen (compiler/) turns it into the pipe dialect; nothing
// after sema looks at the AST again.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DSL_MODEL_H
#define PIPE_DSL_MODEL_H

#include "pipe/Dialect/PipeEnums.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pipe::dsl {

/// The `batch` dimension, bound only by the strategy.
constexpr int64_t kBatchDim = -1;

enum class DType { I32, F32 };

struct TensorType {
  DType dtype = DType::F32;
  std::vector<int64_t>
      dims; ///< dims[i] == kBatchDim for the batch dim; {} is a scalar.
  bool operator==(const TensorType &o) const {
    return dtype == o.dtype && dims == o.dims;
  }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
};

/// One op application, named by its pipe dialect op: the dialect owns every
/// fact about it (shape rule, parameters, cost, library calls), so the front
/// end keeps only what MLIRGen needs to build it. Every default from
/// language.md is already filled into `attrs`.
struct OpNode {
  std::string op;             ///< the dialect op's mnemonic: "linear", "add"
  std::string name;           ///< as the source names it: "linear", "add",
                              ///< or an extern op's name
  std::vector<int> operands;  ///< value ids
  int result = -1;            ///< value id
  mlir::LocationAttr loc;     ///< CallSiteLoc chain when inlined from a block
  std::string paramPrefix;    ///< unique, stable name for this op's parameters,
                              ///< e.g. "l3.attention"
  mlir::DictionaryAttr attrs; ///< the op's attributes but `param`
  int64_t getInt(llvm::StringRef attr) const;
  bool getBool(llvm::StringRef attr) const;
  double getF64(llvm::StringRef attr) const;
};

struct ModelInput {
  std::string name;
  TensorType type;
  mlir::LocationAttr loc;
};

/// A top-level statement of the model body (or the final return): where a
/// pipeline may be cut.
struct Cell {
  std::string
      text; ///< the statement as written, shortened: "x = embedding(...)"
  mlir::LocationAttr loc;
  std::vector<OpNode> ops; ///< in evaluation order
};

struct Model {
  std::string name;
  mlir::LocationAttr loc;
  std::vector<ModelInput> inputs; ///< value ids 0..inputs.size()-1
  std::vector<TensorType> values; ///< type of every value id
  std::vector<Cell> cells;
  int loss = -1; ///< value id of the returned scalar
};

struct ExternOp {
  std::string name;
  std::vector<std::string> params;
  std::string file; ///< resolved path
  mlir::LocationAttr loc;
};

/// The strategy's enums are the dialect's (PipeEnums.td), so a schedule's
/// name is spelled once. Schedule::Auto: the driver searches the others
/// (with virtual, micro-batches and recompute) and replaces it before
/// partitioning.
using Schedule = ::pipe::ScheduleKind;
using ::pipe::OptimizerKind;
using ::pipe::PartitionKind;
using ::pipe::Precision;

/// The `pipeline` block with defaults applied and every rule checked.
struct Strategy {
  int64_t ranks = 1, virtualStages = 1, microbatches = 4, batch = 1;
  Schedule schedule = Schedule::OneFOneB;
  PartitionKind partition = PartitionKind::Balanced;
  std::vector<int64_t> manual;
  bool recompute = false;
  Precision precision = Precision::BF16;
  std::string device = "h100"; ///< a built-in name, or a resolved JSON path
  bool deviceIsFile = false;
  int64_t dataParallel = 1;
  mlir::LocationAttr loc; ///< the `pipeline` keyword (or the model when absent)
  mlir::LocationAttr
      deviceLoc; ///< where `device` was set (null when defaulted)
  int64_t stages() const { return ranks * virtualStages; }
};

enum class DataKind { Synthetic, Bytes, Tokens };

struct Train {
  OptimizerKind optimizer = OptimizerKind::AdamW;
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0,
         momentum = 0;
  int64_t steps = 10, seed = 1, logEvery = 1;
  DataKind data = DataKind::Synthetic;
  std::string dataFile; ///< resolved relative to the .pipe file
  LrScheduleKind lrSchedule = LrScheduleKind::Constant;
  int64_t warmup = 0;
  double minLr = 0;
  double clipGrad = 0;                 ///< 0: off
  DataKind eval = DataKind::Synthetic; ///< Synthetic: no eval
  std::string evalFile;                ///< resolved relative to the .pipe file
  int64_t evalEvery = 100, evalBatches = 4;
};

struct Program {
  std::string file;
  Model model;
  std::vector<ExternOp> externs;
  Strategy strategy;
  Train train;
};

/// The tensor type MLIRGen and the dialect's shape rules see: the batch dim
/// dynamic.
mlir::RankedTensorType toMLIRType(mlir::MLIRContext *ctx, const TensorType &t);
/// And back; nullopt for a type the language cannot spell.
std::optional<TensorType> fromMLIRType(mlir::Type type);

} // namespace pipe::dsl

#endif // PIPE_DSL_MODEL_H
