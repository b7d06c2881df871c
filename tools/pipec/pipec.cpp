//===- pipec.cpp - The pipec command: .pipe file in, MLIR/plan/program out ===//
#include "pipe/Driver/Driver.h"

int main(int argc, char **argv) { return pipe::driver::pipecMain(argc, argv); }
