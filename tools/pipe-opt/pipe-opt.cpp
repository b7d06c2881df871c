//===- pipe-opt.cpp - mlir-opt for the pipe dialect and its passes -------===//
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "pipe/Dialect/PipeOps.h"
#include "pipe/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses(); // canonicalize, cse, symbol-dce, ...
  pipe::registerPipePasses();

  mlir::DialectRegistry registry;
  // func/arith/emitc: the targets of the lowering passes.
  registry.insert<pipe::PipeDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::emitc::EmitCDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "pipe optimizer driver\n", registry));
}
