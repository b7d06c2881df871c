//===- Params.cpp - The model's parameter tensors, named and initialised --===//
//
// Names are the op's stable `param` attribute plus the suffix the op states
// (ModelOpInterface::getParams), so checkpoints are keyed independently of
// the strategy. Initialisation follows GPT-2 and Megatron-LM: weights normal
// with std 0.02, biases and norm shifts zero, norm scales one.
//
//===----------------------------------------------------------------------===//
#include "pipe/Lowering/Codegen.h"

using namespace mlir;

namespace pipe::lowering {

static constexpr double kInitStd = 0.02;

std::vector<ParamInfo>
collectParams(ModelOp model, llvm::ArrayRef<int> cellStage,
              llvm::DenseMap<Operation *, int> &firstParam) {
  std::vector<ParamInfo> params;
  int cellIndex = 0;
  for (CellOp cell : model.getCells()) {
    int stage = cellStage[cellIndex++];
    for (Operation &op : cell.getBody().front().without_terminator()) {
      auto prefix = op.getAttrOfType<StringAttr>("param");
      if (!prefix)
        continue;
      auto facts = dyn_cast<ModelOpInterface>(&op);
      if (!facts)
        continue;
      SmallVector<ParamSpec> specs;
      facts.getParams(specs);
      size_t first = params.size();
      for (const ParamSpec &spec : specs) {
        ParamInfo::Init init =
            spec.init == ParamInit::Normal  ? ParamInfo::Normal
            : spec.init == ParamInit::Zeros ? ParamInfo::Zeros
                                            : ParamInfo::Ones;
        params.push_back(
            {(prefix.getValue() + "." + spec.suffix).str(), spec.elements, init,
             init == ParamInfo::Normal ? kInitStd : 0.0, stage,
             std::vector<int64_t>(spec.shape.begin(), spec.shape.end())});
      }
      if (params.size() > first)
        firstParam[&op] = static_cast<int>(first);
    }
  }
  return params;
}

} // namespace pipe::lowering
