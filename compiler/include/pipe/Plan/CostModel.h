//===- CostModel.h - FLOPs, bytes, time and memory of ops and cells ------===//
//
// A neutral description of the model (ops with their shapes and costs, batch
// already bound to the strategy's micro-batch size) goes in; per-cell
// CellCosts come out. Each op's cost (which kernels it runs in forward (F),
// input gradient (B) and weight gradient (W), what forward saves for
// backward) is stated by the op (compiler/lib/Dialect/PipeMathOpsCost.cpp);
// here they are summed per cell and timed by roofline; a cell's state is its
// parameter arrays as the runtime allocates them (StageMemory.h).
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_PLAN_COSTMODEL_H
#define PIPE_PLAN_COSTMODEL_H

#include "pipe/Plan/DeviceProfile.h"
#include "pipe/Plan/Plan.h"
#include <cstdint>
#include <string>
#include <vector>

namespace pipe::plan {

enum class Optimizer { AdamW, SGD, SGDMomentum };

/// A tensor's static shape with the batch dim bound.
struct TensorDesc {
  std::vector<int64_t> dims; ///< {} is a scalar
  bool isInt = false;        ///< i32 (token ids, targets); else float
  int64_t elements() const;
  int64_t lastDim() const { return dims.empty() ? 1 : dims.back(); }
  int64_t rows() const { return elements() / lastDim(); }
  /// Bytes when floats take `floatBytes` and ints 4.
  int64_t bytes(int floatBytes) const {
    return elements() * (isInt ? 4 : floatBytes);
  }
};

/// One kernel: its arithmetic and its DRAM traffic.
struct Kernel {
  double flops = 0, bytes = 0;
  bool matmul = false; ///< runs on tensor cores at the matmul peak
};

/// The kernels of one phase (F, B or W) of an op.
struct PhaseCost {
  std::vector<Kernel> kernels;
  double flops() const;
  double bytes() const;
  /// Sum over kernels of the roofline max(flops / (peak * eff),
  /// bytes / (bandwidth * eff)) plus one launch overhead each.
  double timeUs(const DeviceProfile &device, Precision precision) const;
};

struct OpCost {
  PhaseCost fwd, dgrad, wgrad;
  int64_t params = 0; ///< parameter elements
  /// Elements of another op's parameter this op reads (a tied table); not in
  /// `params`, since its owner counts it.
  int64_t tiedParams = 0;
  /// Operand indices whose values backward reads (kept alive per micro-batch).
  std::vector<int> savedOperands;
  int64_t savedF32 = 0; ///< extra f32 elements forward saves (statistics)
};

/// One op application: which values it reads and what it costs. The cost
/// comes from the op itself (the pipe dialect's ModelOpInterface::getCost),
/// computed for the model's batch and stored float width; this core never
/// knows op kinds.
struct OpDesc {
  std::vector<int> operands;      ///< value ids (see ModelDesc::values)
  /// With cost.tiedParams: the borrowed parameter's name and the cell of the
  /// op owning it.
  std::string tiedParam;
  int tiedOwnerCell = -1;
  std::vector<TensorDesc> inputs; ///< shapes of the operands
  TensorDesc output;
  int result = -1; ///< the value id of the op's result
  OpCost cost;
  /// f32 elements forward saves for backward, and the input-gradient pass
  /// leaves for the weight-gradient pass (the buffer plan's saved/wsaved).
  int64_t savedFloats = 0, wsavedFloats = 0;
  std::vector<int64_t> paramTensors; ///< elements of each parameter tensor
};

struct CellDesc {
  std::string name, loc;
  std::vector<OpDesc> ops;
  std::vector<int> results; ///< value ids the cell yields to later cells
};

struct ModelDesc {
  std::string name;
  /// Every value id's shape. Ids below numInputs are the model inputs.
  std::vector<TensorDesc> values;
  int numInputs = 0;
  std::vector<CellDesc> cells;
  std::vector<int> outputs; ///< value ids the model returns
};

/// Bytes crossing a cut right after each cell: every value defined by a cell
/// at or before it and used by a cell after it. Model inputs never cross: as
/// Megatron-LM does with labels, every stage reads the inputs it needs from
/// its own data loader. The last entry is 0.
std::vector<int64_t> cutBytes(const ModelDesc &model, int floatBytes);

/// Every cell's CellCost on a device (times by roofline; sendUs for the cut
/// after the cell on the device's link).
std::vector<CellCost> estimateCellCosts(const ModelDesc &model,
                                        const DeviceProfile &device,
                                        Precision precision,
                                        Optimizer optimizer);

} // namespace pipe::plan

#endif // PIPE_PLAN_COSTMODEL_H
