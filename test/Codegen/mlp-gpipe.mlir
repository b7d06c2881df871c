// The generated C++ of examples/mlp.pipe on 2 ranks, gpipe, 2 micro-batches of 8, uniform
// partition: structure, buffer offsets and each rank's action order, all derived by hand below.
// RUN: pipec %examples/mlp.pipe --emit=cpp --set ranks=2 --set schedule=gpipe --set microbatches=2 --set batch=8 --set partition=uniform | FileCheck %s

// Uniform: 5 cells over 2 stages, the remainder to the first: [0,3) and [3,5). Stage 1 (pred =
// linear(h, 16); return mse(pred, y)) lays out its slot as: act in h f32[8,256] = 8192 bytes at
// 0; pred f32[8,16] = 512 bytes at 8192; the scalar loss at 8704 (8192 + 512, 64-aligned); grad
// out (of h) 8192 bytes at 8768; grad of pred at 16960; grad of the f32 input y at 17472;
// 17472 + 512 = 17984 bytes in all.
// CHECK-LABEL: static void stage0_forward(pipert::StageFrame&
// CHECK: pipeops::linear_forward({{.*}}, 8, 64, 256);
// CHECK: pipeops::relu_forward({{.*}}, 2048);
// CHECK-LABEL: static void stage1_forward(
// CHECK-SAME: pipert::StageFrame& [[F:v[0-9]+]])
// CHECK: // cell 3: pred = linear(h, outputs)
// CHECK: [[PRED:v[0-9]+]] = pipert::gen::slot([[F]], 8192);
// CHECK-NEXT: [[H:v[0-9]+]] = pipert::gen::slot([[F]], 0);
// CHECK: pipeops::linear_forward({{v[0-9]+}}, [[PRED]], [[H]], {{v[0-9]+}}, {{v[0-9]+}}, 8, 256, 16);
// CHECK: // cell 4: return mse(pred, y)
// CHECK: [[LOSS:v[0-9]+]] = pipert::gen::slotF32([[F]], 8704);
// CHECK-NEXT: [[Y:v[0-9]+]] = pipert::gen::input([[F]], 1);
// CHECK-NEXT: pipeops::mse_forward({{v[0-9]+}}, [[LOSS]], [[PRED]], [[Y]], 128);
// CHECK: pipeops::copy_bytes({{.*}}, [[LOSS]], 4);
// CHECK-LABEL: static void stage1_backward(
// CHECK: pipeops::mse_backward_input(
// CHECK: pipeops::linear_backward_input(
// CHECK: pipeops::linear_backward_weight(
// CHECK-NOT: stage1_wgrad

// Stage 1's row: rank 1, 17984-byte slot, 2 slots (gpipe keeps both micro-batches), act in at 0
// (8192 bytes), grad out at 8768; parameters 6 and 7 (its linear's weight and bias), cells 3, 4.
// CHECK: {1, 17984, 2, 0, 0, 8192, {{[0-9]+}}, {{[0-9]+}}, 0, 8768, {6, 7}, {3, 4}, stage1_forward, stage1_backward, nullptr},

// Programs. Unit-cost gpipe: rank 0 runs F(0,0) [0,1), F(0,1) [1,2); rank 1 F(1,0) [1,2),
// F(1,1) [2,3), B(1,0) [3,4), B(1,1) [4,5); rank 0 B(0,0) [4,5), B(0,1) [5,6). Each transfer is
// sent right after its producer and received before the receiver's first action starting at
// or after the producer's end; receives name the receiving stage (RecvAct of F(0,k) fills
// stage 1, RecvGrad of B(1,k) fills stage 0).
// CHECK:      spec.programs[0] = {
// CHECK-NEXT:   {A::F, 0, 0, -1}, {A::SendAct, 0, 0, 1}, {A::F, 0, 1, -1}, {A::SendAct, 0, 1, 1}, {A::RecvGrad, 0, 0, 1}, {A::B, 0, 0, -1},
// CHECK-NEXT:   {A::RecvGrad, 0, 1, 1}, {A::B, 0, 1, -1},
// CHECK-NEXT: };
// CHECK:      spec.programs[1] = {
// CHECK-NEXT:   {A::RecvAct, 1, 0, 0}, {A::F, 1, 0, -1}, {A::RecvAct, 1, 1, 0}, {A::F, 1, 1, -1}, {A::B, 1, 0, -1}, {A::SendGrad, 1, 0, 0},
// CHECK-NEXT:   {A::B, 1, 1, -1}, {A::SendGrad, 1, 1, 0},
// CHECK-NEXT: };
// CHECK: int main(int [[ARGC:v[0-9]+]], char** [[ARGV:v[0-9]+]])
// CHECK: pipert::runMain(
