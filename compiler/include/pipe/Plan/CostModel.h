//===- CostModel.h - FLOPs, bytes, time and memory of ops and cells ------===//
//
// A neutral description of the model (ops with their shapes, batch already
// bound to the strategy's micro-batch size) goes in; per-cell CellCosts come
// out. The formulas follow what the op library (lib/include/pipeops) does:
// which kernels each op runs in forward (F), input gradient (B) and weight
// gradient (W), what forward saves for backward, and that gradients,
// optimizer state and saved statistics are f32. Each op's derivation is a
// comment in CostModel.cpp.
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

enum class OpKind {
  Embedding,
  Linear,
  LayerNorm,
  RMSNorm,
  Gelu,
  Relu,
  Silu,
  Add,
  Mul,
  Attention,
  CrossEntropy,
  Mse,
  Extern,
};

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

/// One op application, as the pipe dialect or the front end has it.
struct OpDesc {
  OpKind kind = OpKind::Add;
  std::vector<int> operands;      ///< value ids (see ModelDesc::values)
  std::vector<TensorDesc> inputs; ///< shapes of the operands
  TensorDesc output;
  int64_t vocab = 0, dim = 0;       ///< embedding
  bool positional = false;          ///< embedding
  int64_t outFeatures = 0;          ///< linear
  bool bias = true;                 ///< linear
  int64_t heads = 0, kvHeads = 0;   ///< attention
  bool causal = true, rope = false; ///< attention
  /// Extern ops: arithmetic per element in forward and in backward, as the
  /// front end counted it in the CUDA function bodies.
  double externFwdFlops = 0, externBwdFlops = 0;
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
  /// Operand indices whose values backward reads (kept alive per micro-batch).
  std::vector<int> savedOperands;
  int64_t savedF32 = 0; ///< extra f32 elements forward saves (statistics)
};

/// The cost of one op; `floatBytes` is the stored float width (2 or 4).
OpCost opCost(const OpDesc &op, int floatBytes);

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
};

/// Bytes per parameter of parameters + gradients + optimizer state: the
/// working copy (2 under bf16 storage, else 4), the f32 gradient the op
/// library accumulates, the f32 master copy under bf16 storage, and the
/// optimizer's f32 state (AdamW m and v: 8; SGD momentum: 4; SGD: 0).
/// bf16 + AdamW = 2 + 4 + 4 + 8 = 18 bytes, Megatron-LM's figure.
int64_t stateBytesPerParam(const DeviceProfile &device, Precision precision,
                           Optimizer optimizer);

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
