//===- Params.cpp - The model's parameter tensors, named and initialised --===//
//
// Names are the op's stable `param` attribute plus a suffix, so checkpoints
// are keyed independently of the strategy. Initialisation follows GPT-2 and
// Megatron-LM: weights normal with std 0.02, biases and norm shifts zero,
// norm scales one.
//
//===----------------------------------------------------------------------===//
#include "pipe/Lowering/Codegen.h"

#include "llvm/ADT/TypeSwitch.h"

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
      auto add = [&](StringRef suffix, int64_t elements, ParamInfo::Init init) {
        params.push_back({(prefix.getValue() + "." + suffix).str(), elements,
                          init, init == ParamInfo::Normal ? kInitStd : 0.0,
                          stage});
      };
      size_t first = params.size();
      llvm::TypeSwitch<Operation *>(&op)
          .Case([&](EmbeddingOp e) {
            add("wte", e.getVocab() * e.getDim(), ParamInfo::Normal);
            if (e.getPositional())
              add("wpe", e.getIds().getType().getShape().back() * e.getDim(),
                  ParamInfo::Normal);
          })
          .Case([&](LinearOp l) {
            int64_t k = l.getInput().getType().getShape().back();
            add("weight", k * l.getOutFeatures(), ParamInfo::Normal);
            if (l.getBias())
              add("bias", l.getOutFeatures(), ParamInfo::Zeros);
          })
          .Case([&](LayerNormOp n) {
            int64_t d = n.getInput().getType().getShape().back();
            add("scale", d, ParamInfo::Ones);
            add("shift", d, ParamInfo::Zeros);
          })
          .Case([&](RMSNormOp n) {
            add("scale", n.getInput().getType().getShape().back(),
                ParamInfo::Ones);
          })
          .Case([&](AttentionOp a) {
            int64_t d = a.getInput().getType().getShape().back();
            int64_t dkv = d / a.getHeads() * a.getKvHeads();
            add("wq", d * d, ParamInfo::Normal);
            add("wk", d * dkv, ParamInfo::Normal);
            add("wv", d * dkv, ParamInfo::Normal);
            add("wo", d * d, ParamInfo::Normal);
          });
      if (params.size() > first)
        firstParam[&op] = static_cast<int>(first);
    }
  }
  return params;
}

} // namespace pipe::lowering
