//===- PipeMathOps.td - One op per built-in op of the .pipe language -----===//
//
// The maths of a model, always in f32 (precision is the strategy's business).
// Every op implements ModelOpInterface (PipeOpInterfaces.td): its shape rule
// (the row of language.md's op table, which the verifier and the .pipe front
// end both call), parameters, cost, saved buffers and library calls, in
// compiler/lib/Dialect/PipeMath*.cpp. Ops with parameters carry `param`, the
// stable name their parameters (and checkpoints) are keyed by.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_MATH_OPS_TD
#define PIPE_MATH_OPS_TD

include "pipe/Dialect/PipeDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "pipe/Dialect/PipeOpInterfaces.td"

def Pipe_F32Tensor : RankedTensorOf<[F32]>;
def Pipe_I32Tensor : RankedTensorOf<[I32]>;
def Pipe_Scalar : 0DTensorOf<[F32]>;

/// A model op; `facts` lists the ModelOpInterface methods with a default
/// (parameters, saved buffers, backward calls) that the op overrides.
class Pipe_MathOp<string mnemonic, list<Trait> traits = [],
                  list<string> facts = []>
    : Pipe_Op<mnemonic, !listconcat([Pure, Pipe_ComputeOpTrait,
        DeclareOpInterfaceMethods<Pipe_ModelOpInterface, facts>], traits)> {
  // Every op checks its result against its shape rule.
  let hasVerifier = 1;
}

def Pipe_EmbeddingOp : Pipe_MathOp<"embedding", [],
    ["getParams", "emitBackwardWeight"]> {
  let summary = "Token (and optional positional) embedding lookup";
  let description = [{
    `ids` (`i32`, shape `[..., S]`) index a `vocab` x `dim` table; the result
    has shape `[..., S, dim]`. With `positional`, a learned `S` x `dim` table
    is added, so `S` must be static.

    ```mlir
    %0 = pipe.embedding %tokens vocab = 256, dim = 64, positional = true,
         param = "c0.embedding" : tensor<?x128xi32> -> tensor<?x128x64xf32>
    ```
  }];
  let arguments = (ins Pipe_I32Tensor:$ids, Pipe_PositiveI64:$vocab,
                       Pipe_PositiveI64:$dim, BoolAttr:$positional,
                       StrAttr:$param);
  let results = (outs Pipe_F32Tensor:$result);
  let assemblyFormat = [{
    $ids `vocab` `=` $vocab `,` `dim` `=` $dim `,` `positional` `=` $positional
    `,` `param` `=` $param attr-dict `:` type($ids) `->` type($result)
  }];
}

def Pipe_LinearOp : Pipe_MathOp<"linear", [],
    ["getParams", "getTiedParam", "emitBackwardInput", "emitBackwardWeight"]> {
  let summary = "Affine map of the last dimension";
  let description = [{
    `[..., K]` to `[..., out_features]` with a `K` x `out_features` weight and,
    with `bias`, an `out_features` bias. `K` must be static.

    With `tied`, the layer holds no weight: `tied` is the `param` of a
    `pipe.embedding` of the same model whose `vocab` is `out_features` and
    whose `dim` is `K`, and the layer computes `x @ table^T` with that
    embedding's table (GPT-2's output head). `bias` must be false.

    ```mlir
    %1 = pipe.linear %0 out_features = 1024, bias = true, param = "c2.linear"
         : tensor<?x128x256xf32> -> tensor<?x128x1024xf32>
    %2 = pipe.linear %1 out_features = 256, bias = false,
         tied = "c0.embedding0", param = "c3.linear0"
         : tensor<?x128x64xf32> -> tensor<?x128x256xf32>
    ```
  }];
  let arguments = (ins Pipe_F32Tensor:$input, Pipe_PositiveI64:$out_features,
                       BoolAttr:$bias, OptionalAttr<StrAttr>:$tied,
                       StrAttr:$param);
  let results = (outs Pipe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `out_features` `=` $out_features `,` `bias` `=` $bias `,`
    (`tied` `=` $tied^ `,`)? `param` `=` $param attr-dict `:` type($input)
    `->` type($result)
  }];
  let extraClassDeclaration = [{
    /// The embedding whose table a tied layer reads, or null.
    EmbeddingOp getTiedEmbedding();
  }];
}

class Pipe_NormOp<string mnemonic, string what> : Pipe_MathOp<mnemonic,
    [SameOperandsAndResultType], ["getParams", "getSavedFloats",
    "emitBackwardInput", "emitBackwardWeight"]> {
  let summary = what # " over the last dimension";
  let arguments = (ins Pipe_F32Tensor:$input, F64Attr:$eps, StrAttr:$param);
  let results = (outs Pipe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `eps` `=` $eps `,` `param` `=` $param attr-dict `:` type($result)
  }];
}

def Pipe_LayerNormOp : Pipe_NormOp<"layernorm", "Layer normalisation"> {
  let description = [{
    Normalises `[..., D]` over `D` (static) with a learned scale and shift of
    size `D`; `eps` > 0. The result has the input's type.

    ```mlir
    %0 = pipe.layernorm %x eps = 1.000000e-05, param = "c1.layernorm"
         : tensor<?x128x256xf32>
    ```
  }];
}

def Pipe_RMSNormOp : Pipe_NormOp<"rmsnorm", "RMS normalisation"> {
  let description = [{
    Scales `[..., D]` by the reciprocal root mean square over `D` (static) and
    a learned scale of size `D`; `eps` > 0. The result has the input's type.

    ```mlir
    %0 = pipe.rmsnorm %x eps = 9.9999999999999995E-7, param = "c1.rmsnorm"
         : tensor<?x128x256xf32>
    ```
  }];
}

class Pipe_ActivationOp<string mnemonic, string what> : Pipe_MathOp<mnemonic,
    [SameOperandsAndResultType], ["emitBackwardInput"]> {
  let summary = what # ", elementwise";
  let description = [{
    Any float tensor to a tensor of the same type.

    ```mlir
    %1 = pipe.}] # mnemonic # [{ %0 : tensor<?x128x1024xf32>
    ```
  }];
  let arguments = (ins Pipe_F32Tensor:$input);
  let results = (outs Pipe_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Pipe_GeluOp : Pipe_ActivationOp<"gelu", "GELU (tanh approximation)">;
def Pipe_ReluOp : Pipe_ActivationOp<"relu", "ReLU">;
def Pipe_SiluOp : Pipe_ActivationOp<"silu", "SiLU (x * sigmoid(x))">;

class Pipe_BinaryOp<string mnemonic, string what> : Pipe_MathOp<mnemonic,
    [SameOperandsAndResultType, Commutative], ["emitBackwardInput"]> {
  let summary = what # " of two float tensors of identical shape";
  let description = [{
    Both operands and the result have the same type.

    ```mlir
    %2 = pipe.}] # mnemonic # [{ %x, %1 : tensor<?x128x256xf32>
    ```
  }];
  let arguments = (ins Pipe_F32Tensor:$lhs, Pipe_F32Tensor:$rhs);
  let results = (outs Pipe_F32Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Pipe_AddOp : Pipe_BinaryOp<"add", "Elementwise sum">;
def Pipe_MulOp : Pipe_BinaryOp<"mul", "Elementwise product">;

def Pipe_SwigluOp : Pipe_MathOp<"swiglu", [SameOperandsAndResultType],
    ["emitBackwardInput"]> {
  let summary = "SwiGLU gate silu(a) * b of two float tensors of one shape";
  let description = [{
    The gated unit of Llama-style MLPs, fused: `silu(a) * b` elementwise,
    with no parameters. Both operands and the result have the same type;
    backward needs `a` and `b` only (nothing else is saved).

    ```mlir
    %2 = pipe.swiglu %gate, %up : tensor<?x128x512xf32>
    ```
  }];
  let arguments = (ins Pipe_F32Tensor:$a, Pipe_F32Tensor:$b);
  let results = (outs Pipe_F32Tensor:$result);
  let assemblyFormat = "$a `,` $b attr-dict `:` type($result)";
}

def Pipe_AttentionOp : Pipe_MathOp<"attention", [SameOperandsAndResultType],
    ["getParams", "getSavedFloats", "getWSavedFloats", "emitBackwardInput",
     "emitBackwardWeight"]> {
  let summary = "Multi-head self-attention";
  let description = [{
    Self-attention over `[B, S, D]` with `heads` query heads and `kv_heads`
    key/value heads (grouped-query when fewer), softmax scale
    1/sqrt(D/heads), a causal mask when `causal`, rotary embeddings on q and
    k when `rope`. Parameters: q, k, v and o projections, and with `bias`
    (GPT-2) a bias on each of them.
    Requires `D % heads == 0` and `heads % kv_heads == 0`.

    ```mlir
    %1 = pipe.attention %0 heads = 4, kv_heads = 4, causal = true,
         rope = false, param = "c1.attention" : tensor<?x128x256xf32>
    %2 = pipe.attention %1 heads = 4, kv_heads = 4, causal = true,
         rope = false, bias = true, param = "c2.attention"
         : tensor<?x128x256xf32>
    ```
  }];
  let arguments = (ins Pipe_F32Tensor:$input, Pipe_PositiveI64:$heads,
                       Pipe_PositiveI64:$kv_heads, BoolAttr:$causal,
                       BoolAttr:$rope, DefaultValuedAttr<BoolAttr, "false">:$bias,
                       StrAttr:$param);
  let results = (outs Pipe_F32Tensor:$result);
  let assemblyFormat = [{
    $input `heads` `=` $heads `,` `kv_heads` `=` $kv_heads `,` `causal` `=`
    $causal `,` `rope` `=` $rope `,` (`bias` `=` $bias^ `,`)? `param` `=`
    $param attr-dict `:` type($result)
  }];
}

def Pipe_CrossEntropyOp : Pipe_MathOp<"cross_entropy", [],
    ["getSavedFloats", "emitBackwardInput"]> {
  let summary = "Mean cross-entropy of logits against integer targets";
  let description = [{
    `logits` `[..., V]` (f32) against `targets` (i32) whose shape is the
    logits' shape without its last dimension; the result is the mean over
    all tokens, a `tensor<f32>`.

    ```mlir
    %3 = pipe.cross_entropy %2, %targets
         : tensor<?x128x256xf32>, tensor<?x128xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Pipe_F32Tensor:$logits, Pipe_I32Tensor:$targets);
  let results = (outs Pipe_Scalar:$loss);
  let assemblyFormat = [{
    $logits `,` $targets attr-dict `:` type($logits) `,` type($targets) `->`
    type($loss)
  }];
}

def Pipe_MseOp : Pipe_MathOp<"mse", [SameTypeOperands],
    ["emitBackwardInput"]> {
  let summary = "Mean squared error of two float tensors of identical shape";
  let description = [{
    ```mlir
    %2 = pipe.mse %1, %y : tensor<?x4xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Pipe_F32Tensor:$pred, Pipe_F32Tensor:$target);
  let results = (outs Pipe_Scalar:$loss);
  let assemblyFormat = "$pred `,` $target attr-dict `:` type($pred) `->` type($loss)";
}

def Pipe_ExternCallOp : Pipe_MathOp<"extern_call", [
    SameOperandsAndResultType,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>], ["emitBackwardInput"]> {
  let summary = "Applies a custom elementwise op declared by pipe.extern_op";
  let description = [{
    Calls the CUDA C++ elementwise op `callee`, declared in the enclosing
    module by a `pipe.extern_op` with as many parameters as there are
    operands. Operands and result are float tensors of one type.

    ```mlir
    pipe.extern_op @geglu["a", "b"] from "geglu.cu"
    ...
    %2 = pipe.extern_call @geglu(%0, %1) : tensor<?x128x512xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee,
                       Variadic<Pipe_F32Tensor>:$inputs);
  let results = (outs Pipe_F32Tensor:$result);
  let assemblyFormat = "$callee `(` $inputs `)` attr-dict `:` type($result)";
}

#endif // PIPE_MATH_OPS_TD
