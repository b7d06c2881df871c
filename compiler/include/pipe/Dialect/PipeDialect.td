//===- PipeDialect.td - The pipe dialect and its op base class -----------===//
//
// The pipe dialect holds a pipeline-parallel training job: the model (what it
// computes), the strategy (how it is spread over GPUs) and the training setup,
// kept apart until a pass applies the strategy.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DIALECT_TD
#define PIPE_DIALECT_TD

include "mlir/IR/OpBase.td"

def Pipe_Dialect : Dialect {
  let name = "pipe";
  let cppNamespace = "::pipe";
  let summary = "Models, strategies and per-rank programs for pipeline-parallel training";
  let description = [{
    A module compiled from a `.pipe` file holds one `pipe.model` (the maths,
    split into cells where a pipeline may be cut), one `pipe.strategy` (the
    `pipeline` block), one `pipe.train` (the `train` block) and one
    `pipe.extern_op` per custom elementwise op. The module attribute
    `pipe.source` names the `.pipe` file.

    ```mlir
    module attributes {pipe.source = "mlp.pipe"} {
      pipe.model @mlp(%x: tensor<?x16xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
        %h = pipe.cell "h = relu(linear(x, 32))" {
          %0 = pipe.linear %x out_features = 32, bias = true, param = "c0.linear"
               : tensor<?x16xf32> -> tensor<?x32xf32>
          %1 = pipe.relu %0 : tensor<?x32xf32>
          pipe.yield %1 : tensor<?x32xf32>
        } : tensor<?x32xf32>
        ...
        pipe.return %loss : tensor<f32>
      }
      pipe.strategy ranks = 1, virtual = 1, ...
      pipe.train optimizer = "adamw", ...
    }
    ```
  }];
  let hasOperationAttrVerify = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// The module attribute naming the `.pipe` file the module came from.
    static constexpr ::llvm::StringLiteral getSourceAttrName() {
      return ::llvm::StringLiteral("pipe.source");
    }
  }];
}

class Pipe_Op<string mnemonic, list<Trait> traits = []>
    : Op<Pipe_Dialect, mnemonic, traits>;

/// A strictly positive 64-bit count (ranks, heads, features, ...).
def Pipe_PositiveI64 : ConfinedAttr<I64Attr, [IntPositive]>;

/// Marks the ops that may appear inside a `pipe.cell`: the built-in ops and
/// custom elementwise calls, i.e. the maths of the model.
def Pipe_ComputeOpTrait : NativeOpTrait<"ComputeOp"> {
  let cppNamespace = "::pipe::OpTrait";
}

#endif // PIPE_DIALECT_TD
