//===- PipeJobOps.td - Strategy, training setup, extern declarations -----===//
//
// Top-level ops beside the model: the `pipeline` block (pipe.strategy), the
// `train` block (pipe.train) and each `extern op` (pipe.extern_op). Values
// are typed attributes with every default of language.md filled in; the
// verifiers hold them to the ranges and rules language.md states.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_JOB_OPS_TD
#define PIPE_JOB_OPS_TD

include "pipe/Dialect/PipeDialect.td"
include "pipe/Dialect/PipeEnums.td"
include "mlir/IR/SymbolInterfaces.td"

def Pipe_ExternDeclOp : Pipe_Op<"extern_op", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "Declares a custom elementwise op written in CUDA C++";
  let description = [{
    `extern op geglu(a, b) from "geglu.cu"`: an elementwise op over
    same-shaped float tensors with one parameter per name in `params`,
    defined in `file` (resolved relative to the `.pipe` file) by
    `geglu_forward` and `geglu_backward`. Called by `pipe.extern_call`.

    ```mlir
    pipe.extern_op @geglu["a", "b"] from "examples/geglu.cu"
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$params,
                       StrAttr:$file);
  let assemblyFormat = "$sym_name $params `from` $file attr-dict";
  let hasVerifier = 1;
}

def Pipe_StrategyOp : Pipe_Op<"strategy", [HasParent<"::mlir::ModuleOp">]> {
  let summary = "The pipeline strategy: how the model is spread over GPUs";
  let description = [{
    The `pipeline` block with defaults applied. `virtual` (stored as
    `virtual_stages`) is the number of model chunks per rank; stages =
    ranks x virtual. `schedule`, `partition` and `precision` are enum
    attributes written as their names (`"zb-h1"`): a schedule of the
    schedule table or `auto`; `balanced`, `uniform` or `manual` (then
    `manual` lists the cells per stage); `f32` or `bf16`.
    `device` a built-in device name (`h100`, `h200`, `a100`, `cpu`) or, with
    the `device_is_file` unit attribute, a device-profile JSON path.
    The verifier checks the ranges and the schedule/virtual rules, and, when
    the module holds a `pipe.model`, that stages do not exceed cells and that
    a manual split covers every cell.

    ```mlir
    pipe.strategy ranks = 2, virtual = 2, microbatches = 8, batch = 4,
      schedule = "interleaved", partition = "balanced", recompute = false,
      precision = "bf16", device = "h100", data_parallel = 1
    ```
  }];
  let arguments = (ins Pipe_PositiveI64:$ranks, Pipe_PositiveI64:$virtual_stages,
                       Pipe_PositiveI64:$microbatches, Pipe_PositiveI64:$batch,
                       Pipe_ScheduleKindAttr:$schedule,
                       Pipe_PartitionKindAttr:$partition,
                       OptionalAttr<DenseI64ArrayAttr>:$manual,
                       BoolAttr:$recompute, Pipe_PrecisionAttr:$precision,
                       StrAttr:$device, UnitAttr:$device_is_file,
                       Pipe_PositiveI64:$data_parallel);
  let assemblyFormat = [{
    `ranks` `=` $ranks `,` `virtual` `=` $virtual_stages `,` `microbatches` `=`
    $microbatches `,` `batch` `=` $batch `,` `schedule` `=`
    custom<EnumName>($schedule) `,` `partition` `=` custom<EnumName>($partition)
    `,` (`manual` `=` $manual^ `,`)? `recompute` `=` $recompute `,`
    `precision` `=` custom<EnumName>($precision) `,` `device` `=` $device
    `,` `data_parallel` `=` $data_parallel attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Pipeline stages: ranks x virtual.
    int64_t getNumStages() { return getRanks() * getVirtualStages(); }
  }];
}

def Pipe_TrainOp : Pipe_Op<"train", [HasParent<"::mlir::ModuleOp">]> {
  let summary = "The training setup: optimizer, steps, data";
  let description = [{
    The `train` block with defaults applied. `optimizer` (an enum
    attribute, written as its name) is `adamw` (using
    `lr`, `beta1`, `beta2`, `eps`, `weight_decay`) or `sgd` (using `lr`,
    `momentum`); every hyper-parameter is present either way. `data` is
    `synthetic`, `bytes` or `tokens`; the latter two name `data_file`,
    resolved relative to the `.pipe` file.

    The recipe keys appear only when set: `lr_schedule` (`cosine` or
    `linear`, with `warmup` steps and, for cosine, the final `min_lr`;
    absent means constant), `clip_grad` (the global gradient norm limit,
    absent means off) and `eval` (`bytes` or `tokens` held-out data in
    `eval_file`, evaluated every `eval_every` steps over `eval_batches`
    global batches).

    ```mlir
    pipe.train optimizer = "adamw", lr = 1.000000e-03, beta1 = 9.000000e-01,
      beta2 = 9.990000e-01, eps = 1.000000e-08, weight_decay = 1.000000e-01,
      momentum = 0.000000e+00, steps = 200, seed = 1, log_every = 1,
      data = "bytes", data_file = "corpus.txt"
      lr_schedule = "cosine", warmup = 20, min_lr = 1.000000e-04
      clip_grad = 1.000000e+00
      eval = "bytes", eval_file = "valid.txt", eval_every = 50, eval_batches = 4
    ```
  }];
  let arguments = (ins Pipe_OptimizerKindAttr:$optimizer, F64Attr:$lr, F64Attr:$beta1,
                       F64Attr:$beta2, F64Attr:$eps, F64Attr:$weight_decay,
                       F64Attr:$momentum, Pipe_PositiveI64:$steps,
                       I64Attr:$seed, Pipe_PositiveI64:$log_every,
                       StrAttr:$data, OptionalAttr<StrAttr>:$data_file,
                       OptionalAttr<Pipe_LrScheduleKindAttr>:$lr_schedule,
                       OptionalAttr<I64Attr>:$warmup,
                       OptionalAttr<F64Attr>:$min_lr,
                       OptionalAttr<F64Attr>:$clip_grad,
                       OptionalAttr<StrAttr>:$eval,
                       OptionalAttr<StrAttr>:$eval_file,
                       OptionalAttr<I64Attr>:$eval_every,
                       OptionalAttr<I64Attr>:$eval_batches);
  let assemblyFormat = [{
    `optimizer` `=` custom<EnumName>($optimizer) `,` `lr` `=` $lr `,` `beta1` `=` $beta1 `,`
    `beta2` `=` $beta2 `,` `eps` `=` $eps `,` `weight_decay` `=` $weight_decay
    `,` `momentum` `=` $momentum `,` `steps` `=` $steps `,` `seed` `=` $seed
    `,` `log_every` `=` $log_every `,` `data` `=` $data
    (`,` `data_file` `=` $data_file^)?
    (`lr_schedule` `=` custom<EnumName>($lr_schedule)^ `,` `warmup` `=` $warmup
     `,` `min_lr` `=` $min_lr)?
    (`clip_grad` `=` $clip_grad^)?
    (`eval` `=` $eval^ `,` `eval_file` `=` $eval_file `,` `eval_every` `=`
     $eval_every `,` `eval_batches` `=` $eval_batches)? attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::LogicalResult verifyRecipe();
  }];
}

#endif // PIPE_JOB_OPS_TD
