//===- PipeOpInterfaces.td - What the pipeline asks of the dialect's ops -===//
//
// ModelOpInterface: every fact about a built-in op lives with its ODS definition through this
// interface: its shape rule, its parameter tensors, its cost, its saved
// buffers and its calls into the op library (lib/include/pipeops/ops.def).
// The cost model, the buffer plan, the parameter list and the stage code
// generator ask the interface and never switch over op kinds, so a new op is
// one ODS definition plus its implementation of these methods (see
// compiler/lib/Dialect/PipeMathOps*.cpp).
//
// ActionOpInterface: what every action of a per-rank program
// (PipeProgramOps.td) has, the stage it names and its micro-batch.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_OP_INTERFACES_TD
#define PIPE_OP_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Pipe_ModelOpInterface : OpInterface<"ModelOpInterface"> {
  let cppNamespace = "::pipe";
  let description = [{
    An op of a model's maths (a built-in op or an extern call): the facts the
    front end, the cost model, the buffer plan and the code generator need.

    Shapes: `inferResultType` is the op's shape rule, written once. The
    verifier checks an op's declared result against it, and the `.pipe`
    front end calls it (through the registered op name, before any IR
    exists) so a broken rule is reported at the call in the source. The rule
    words each error twice, once for hand-written IR and once in `.pipe`
    spelling, beside the condition it checks (see ShapeRule in
    pipe/Dialect/OpFacts.h).

    Dynamic dimensions are the batch; `batch` arguments bind them.

    ```mlir
    // Each op of a cell answers, e.g. for linear:
    //   getParams -> weight [K x N] (normal), bias [N] (zeros)
    //   getCost   -> F: one matmul 2MKN flops, B: one, W: one (+ bias sums)
    //   emitForward -> pipeops::linear_forward(ctx, out, in, w, bias, M, K, N)
    %1 = pipe.linear %0 out_features = 1024, bias = true, param = "c2.linear"
         : tensor<?x128x256xf32> -> tensor<?x128x1024xf32>
    ```
  }];
  let methods = [
    StaticInterfaceMethod<[{
        The shape and dtype rule: the result type for `rule`'s operand types
        and attributes, or failure after `rule.fail(...)` reported why.
      }], "::mlir::FailureOr<::mlir::Type>", "inferResultType",
      (ins "::pipe::ShapeRule &":$rule)>,
    InterfaceMethod<[{
        The op's parameter tensors in their fixed order (the order its
        library calls take them), named by a suffix of the op's `param`.
      }], "void", "getParams",
      (ins "::llvm::SmallVectorImpl<::pipe::ParamSpec> &":$params), [{}],
      [{ (void)params; }]>,
    InterfaceMethod<[{
        The full name of another op's parameter that this op reads as its
        parameter 0 instead of holding one (a linear tied to an embedding's
        table: "c0.embedding0.wte"); empty when it borrows none. A stage that
        holds this op but not the owner holds a copy of that parameter.
      }], "std::string", "getTiedParam", (ins), [{}],
      [{ return std::string(); }]>,
    InterfaceMethod<[{
        The kernels of forward, input gradient and weight gradient (flops
        and bytes), the parameter count and what backward keeps alive, for a
        micro-batch of `batch` with floats stored in `floatBytes` (2 or 4).
      }], "::mlir::FailureOr<::pipe::plan::OpCost>", "getCost",
      (ins "int64_t":$batch, "int":$floatBytes)>,
    InterfaceMethod<[{
        f32 elements forward saves for backward (the library's
        X_saved_floats); 0 when the op saves nothing beyond its operands.
      }], "int64_t", "getSavedFloats", (ins "int64_t":$batch), [{}],
      [{ (void)batch; return 0; }]>,
    InterfaceMethod<[{
        f32 elements the input-gradient call leaves for the weight-gradient
        call (the library's X_wsaved_floats).
      }], "int64_t", "getWSavedFloats", (ins "int64_t":$batch), [{}],
      [{ (void)batch; return 0; }]>,
    InterfaceMethod<[{
        Emits the forward library call through `calls`; fails with a located
        error on an op the library cannot run where it stands.
      }], "::mlir::LogicalResult", "emitForward",
      (ins "::pipe::LibraryCalls &":$calls)>,
    InterfaceMethod<[{
        Emits the input-gradient call (accumulating into operand gradients);
        nothing for an op without one.
      }], "void", "emitBackwardInput", (ins "::pipe::LibraryCalls &":$calls),
      [{}], [{ (void)calls; }]>,
    InterfaceMethod<[{
        Emits the weight-gradient call (accumulating into parameter
        gradients); nothing for an op without parameters.
      }], "void", "emitBackwardWeight", (ins "::pipe::LibraryCalls &":$calls),
      [{}], [{ (void)calls; }]>,
  ];
}

def Pipe_ActionOpInterface : OpInterface<"ActionOpInterface"> {
  let cppNamespace = "::pipe";
  let description = [{
    An action of a `pipe.program`: a compute pass or a transfer of one
    micro-batch, naming by its `pipe.stage`'s name the stage on the
    program's own rank that it runs or whose activation slot it fills or
    reads. `pipe.schedule` resolves the names in the model it runs.

    ```mlir
    pipe.forward @s1 mb 3          // stage @s1, micro-batch 3
    pipe.recv_grad @s1 mb 3 from 2 // feeds pipe.backward @s1 mb 3
    ```
  }];
  let methods = [
    InterfaceMethod<"The stage the action names.",
      "::mlir::FlatSymbolRefAttr", "getStageAttr">,
    InterfaceMethod<"The micro-batch the action works on.",
      "uint32_t", "getMb">,
  ];
}

#endif // PIPE_OP_INTERFACES_TD
