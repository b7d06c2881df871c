//===- Params.cpp - The model's parameter tensors, named and initialised --===//
//
// Names are the op's stable `param` attribute plus the suffix the op states
// (ModelOpInterface::getParams), so checkpoints are keyed independently of
// the strategy. Initialisation follows GPT-2 and Megatron-LM: weights normal
// with std 0.02, biases and norm shifts zero, norm scales one.
//
// An op that reads another op's parameter (a linear tied to an embedding's
// table, ModelOpInterface::getTiedParam) uses the owner's entry when both sit
// on one stage; on another stage it gets a copy under the same name, marked
// `tiedTo` the owner, which the runtime keeps equal to it.
//
//===----------------------------------------------------------------------===//
#include "pipe/Lowering/Codegen.h"

using namespace mlir;

namespace pipe::lowering {

static constexpr double kInitStd = 0.02;

/// The entry a stage reads the owner's parameter `name` from: the owner's own
/// when it is on `stage`, else that stage's copy (made on first use).
static int tiedEntry(std::vector<ParamInfo> &params, const std::string &name,
                     int stage) {
  int owner = -1;
  for (size_t k = 0; k < params.size(); ++k)
    if (params[k].name == name) {
      if (params[k].stage == stage)
        return int(k);
      if (params[k].tiedTo < 0)
        owner = int(k);
    }
  // The verifier found the owner earlier in the model, so it was collected.
  ParamInfo copy = params[owner];
  copy.stage = stage;
  copy.tiedTo = owner;
  params.push_back(copy);
  return int(params.size()) - 1;
}

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
      std::string tied = facts.getTiedParam();
      if (!tied.empty()) {
        firstParam[&op] = tiedEntry(params, tied, stage);
        continue;
      }
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
