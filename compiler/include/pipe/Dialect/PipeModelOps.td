//===- PipeModelOps.td - The model, its cells and their terminators ------===//
//
// A `pipe.model` is the network as the front end checked it: one block whose
// arguments are the model inputs, then one `pipe.cell` per cell (the places a
// pipeline may be cut between), then `pipe.return` of the scalar loss.
// pipe-partition outlines the cells of each pipeline stage into a
// `pipe.stage`, whose arguments and results are the values crossing its cuts.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_MODEL_OPS_TD
#define PIPE_MODEL_OPS_TD

include "pipe/Dialect/PipeDialect.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Pipe_ModelOp : Pipe_Op<"model", [
    Symbol, IsolatedFromAbove, SingleBlock,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmBlockArgumentNames"]>]> {
  let summary = "The network: inputs, cells in source order, scalar loss";
  let description = [{
    The model of a `.pipe` file after blocks are inlined and repeats unrolled.
    The single block's arguments are the model inputs, in declaration order;
    their names are kept in `input_names`. Every input is a ranked tensor of
    `i32` or `f32` whose first dimension is the dynamic batch (`?`, bound by
    the strategy) and whose other dimensions are static. The body is a
    sequence of `pipe.cell` ops ended by `pipe.return` of the loss, a
    `tensor<f32>`. After `pipe-partition` the body is instead a sequence of
    `pipe.stage` ops holding those cells (every cell in exactly one stage),
    ended by `pipe.return` of the last stage's result. Stage names are
    unique within the model.

    ```mlir
    pipe.model @gpt(%tokens: tensor<?x128xi32>, %targets: tensor<?x128xi32>) -> tensor<f32> {
      %x = pipe.cell "x = embedding(...)" { ... } : tensor<?x128x256xf32>
      ...
      %loss = pipe.cell "return cross_entropy(...)" { ... } : tensor<f32>
      pipe.return %loss : tensor<f32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<FunctionType>:$function_type,
                       StrArrayAttr:$input_names);
  let regions = (region SizedRegion<1>:$body);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The model inputs, in declaration order.
    ::mlir::Block::BlockArgListType getInputs() {
      return getBody().front().getArguments();
    }
    /// The cells in source order, inside the stages once partitioned.
    ::llvm::SmallVector<::pipe::CellOp> getCells();
    /// Each stage's position in pipeline order, by its name: how the
    /// programs' stage names resolve.
    ::llvm::DenseMap<::mlir::StringAttr, int> getStageIndex();
    /// The stages in pipeline order (none before pipe-partition).
    ::llvm::iterator_range<::mlir::Block::op_iterator<::pipe::StageOp>> getStages() {
      return getBody().front().getOps<::pipe::StageOp>();
    }
    /// The terminator returning the loss.
    ::pipe::ReturnOp getReturnOp();
  }];
}

// A stage is named like a symbol (`@s0`) and the programs refer to it by
// that name, but it is not an MLIR Symbol: MLIR symbols may not define SSA
// results, and a stage's results are its cut values. Like CIRCT's inner
// symbols (`hw.wire sym @w`), the names are unique within the enclosing
// pipe.model, which resolves them (ModelOp::getStageIndex).
def Pipe_StageOp : Pipe_Op<"stage", [
    HasParent<"ModelOp">, SingleBlock, RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<OpAsmOpInterface,
                              ["getAsmResultNames", "getAsmBlockArgumentNames"]>]> {
  let summary = "One pipeline stage: a contiguous run of cells on one rank";
  let description = [{
    `pipe-partition` outlines each stage's cells into one `pipe.stage`, in
    pipeline order; `rank` is the pipeline rank that runs it. The stage's
    boundary is explicit: its arguments (the `inputs`, bound to the entry
    block's arguments) are the values crossing the cut before it, and its
    results are the values crossing the cut after it, both in definition
    order (the order of the ops defining them in the source model). A value
    defined before the stage and used after it passes through: the stage
    yields its own argument. The first stage has no arguments; the last
    stage's single result is the loss, returned by the model.

    Stage s + 1's arguments are exactly stage s's results, in order, so the
    activations sent over a cut and the gradients sent back are listed once.
    Inside a stage, ops use the block arguments and the model inputs (which
    every rank reads itself), never a value of another stage directly. The
    cells keep their source order and their `pipe.cost` records; the stage
    numbers of plan.json and the programs are the stages' positions.

    ```mlir
    %h_1 = pipe.stage @s0 rank 0 {
      %h = pipe.cell "h = relu(x)" { ... } : tensor<?x4xf32>
      %h_0 = pipe.cell "h = relu(h)" { ... } : tensor<?x4xf32>
      pipe.yield %h_0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    %loss = pipe.stage @s1 rank 1 ins(%h_1 : tensor<?x4xf32>) {
    ^bb0(%h: tensor<?x4xf32>):
      %loss = pipe.cell "return mse(h, y)" { ... } : tensor<f32>
      pipe.yield %loss : tensor<f32>
    } : tensor<f32>
    pipe.return %loss : tensor<f32>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       ConfinedAttr<I32Attr, [IntNonNegative]>:$rank,
                       Variadic<AnyRankedTensor>:$inputs);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `rank` $rank (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    attr-dict-with-keyword $body (`:` type($results)^)?
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The stage's cells in order.
    ::llvm::iterator_range<::mlir::Block::op_iterator<::pipe::CellOp>> getCells() {
      return getBody().front().getOps<::pipe::CellOp>();
    }
    /// The terminator yielding the stage's results.
    ::pipe::YieldOp getYieldOp();
  }];
}

def Pipe_CellOp : Pipe_Op<"cell", [
    ParentOneOf<["ModelOp", "StageOp"]>, SingleBlock, NoRegionArguments,
    RecursiveMemoryEffects,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>]> {
  let summary = "One cell: a top-level statement of the model body";
  let description = [{
    A cell groups the ops of one top-level statement of the model (or of its
    final `return`), in evaluation order. A pipeline is only cut between
    cells. `name` is the statement as written, shortened; the op's location is
    the statement's. A cell is not isolated from above: its ops use model
    inputs and earlier cells' results directly. It yields every value it
    defines that later cells (or the model's `pipe.return`) use; the
    result is named after the bound variable when printed.

    ```mlir
    %x_1 = pipe.cell "x = x + attention(layernorm(x), ...)" {
      %0 = pipe.layernorm %x eps = 1.000000e-05, param = "c1.layernorm"
           : tensor<?x128x256xf32>
      %1 = pipe.attention %0 heads = 4, kv_heads = 4, causal = true,
           rope = false, param = "c1.attention" : tensor<?x128x256xf32>
      %2 = pipe.add %x, %1 : tensor<?x128x256xf32>
      pipe.yield %2 : tensor<?x128x256xf32>
    } : tensor<?x128x256xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$name attr-dict-with-keyword $body (`:` type($results)^)?";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The terminator yielding the cell's results.
    ::pipe::YieldOp getYieldOp();
  }];
}

def Pipe_YieldOp : Pipe_Op<"yield", [
    ParentOneOf<["CellOp", "StageOp"]>, Terminator, Pure, ReturnLike]> {
  let summary = "Ends a cell or a stage, yielding the values later ones use";
  let description = [{
    ```mlir
    pipe.yield %2 : tensor<?x128x256xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, ::mlir::ValueRange()); }]>];
}

def Pipe_ReturnOp : Pipe_Op<"return", [
    HasParent<"ModelOp">, Terminator, Pure, ReturnLike]> {
  let summary = "Ends the model, returning the scalar loss";
  let description = [{
    ```mlir
    pipe.return %loss : tensor<f32>
    ```
  }];
  let arguments = (ins 0DTensorOf<[F32]>:$loss);
  let assemblyFormat = "$loss attr-dict `:` type($loss)";
}

#endif // PIPE_MODEL_OPS_TD
