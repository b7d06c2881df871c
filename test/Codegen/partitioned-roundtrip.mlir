// pipe-opt reads back everything pipec prints, and the lowering runs on it as a pass:
// --emit=partitioned (model, cell costs, stages, programs) re-verifies and lowers to EmitC.
// tiny-gpt on 2 ranks x 2 virtual (interleaved): 4 stages, so 4 forward and 4 backward
// functions and no wgrad (interleaved has no W); makeSpec and main close the file.
// RUN: pipec %examples/tiny-gpt.pipe --emit=partitioned | pipe-opt | pipe-opt --pipe-verify-schedule --convert-pipe-to-emitc | FileCheck %s
// CHECK: emitc.include "pipert/pipert.h"
// CHECK: emitc.func @stage0_forward(%{{.*}}: !emitc.opaque<"pipert::StageFrame&">) attributes {specifiers = ["static"]}
// CHECK: call_opaque "pipeops::embedding_forward"
// CHECK: emitc.func @stage0_backward(
// CHECK: emitc.func @stage1_forward(
// CHECK: emitc.func @stage1_backward(
// CHECK: emitc.func @stage2_forward(
// CHECK: emitc.func @stage2_backward(
// CHECK: emitc.func @stage3_forward(
// CHECK: call_opaque "pipeops::cross_entropy_forward"
// CHECK: emitc.func @stage3_backward(
// CHECK-NOT: _wgrad
// CHECK: emitc.func @makeSpec()
// CHECK: emitc.func @main(
