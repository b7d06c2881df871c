//===- ExternPasses.td - pipe-check-extern --------------------------------===//
//
// Included from Passes.td. Checks each `extern op`'s CUDA C++ file with
// Clang before anything plans around it.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_TRANSFORMS_EXTERNPASSES_TD
#define PIPE_TRANSFORMS_EXTERNPASSES_TD

include "mlir/Pass/PassBase.td"

def PipeCheckExtern : Pass<"pipe-check-extern", "::mlir::ModuleOp"> {
  let summary = "Check extern op CUDA C++ files with Clang and count their flops";
  let description = [{
    For each `pipe.extern_op @NAME [params] from "FILE"`, parses FILE with
    Clang as CUDA (host side, against the installed CUDA toolkit's headers;
    no GPU needed) and checks that it defines
    `__host__ __device__ float NAME_forward(float, ...)` with one float per
    parameter and
    `__host__ __device__ void NAME_backward(float..., float dy, float *...)`
    with the inputs, the output gradient and one pointer per input gradient.
    Every problem, Clang's own compile errors included, is an error located
    in FILE with a note at the `extern` declaration, and the pass fails.

    On success it records the per-element floating-point operations of the
    two bodies (a transcendental call counts 8) as `fwd_flops` and
    `bwd_flops`, which the cost model reads:

    ```mlir
    pipe.extern_op @geglu ["a", "b"] from "examples/geglu.cu"
    // becomes
    pipe.extern_op @geglu ["a", "b"] from "examples/geglu.cu"
        {bwd_flops = 31 : i64, fwd_flops = 13 : i64}
    ```
  }];
}

#endif // PIPE_TRANSFORMS_EXTERNPASSES_TD
