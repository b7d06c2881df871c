// The pipec driver's contract (docs/pipec.md): flags, outputs, exit status.
// RUN: rm -rf %t && mkdir -p %t

// A bad command line is one `error:` line and exit 1.
// RUN: not pipec %examples/mlp.pipe --frobnicate 2> %t/flag.err
// RUN: FileCheck %s --check-prefix=FLAG < %t/flag.err
// RUN: count 1 < %t/flag.err
// FLAG: error: unknown option '--frobnicate'
// RUN: not pipec %examples/mlp.pipe --emit=bogus 2>&1 | FileCheck %s --check-prefix=KIND
// KIND: error: unknown --emit kind 'bogus' (expected ast, mlir, partitioned, plan, timeline, trace, cpp)
// RUN: not pipec 2>&1 | FileCheck %s --check-prefix=NOINPUT
// NOINPUT: error: no input file
// RUN: not pipec %t/missing.pipe 2> %t/missing.err
// RUN: FileCheck %s --check-prefix=MISSING < %t/missing.err
// RUN: count 1 < %t/missing.err
// MISSING: error: cannot read '{{.*}}missing.pipe'

// An input error: located diagnostic with source line and caret, exit 1,
// nothing on stdout and nothing under -o.
// RUN: not pipec %S/Inputs/unknown-op.pipe --emit=mlir > %t/bad.out 2> %t/bad.err
// RUN: count 0 < %t/bad.out
// RUN: FileCheck %s --check-prefix=BAD < %t/bad.err
// BAD: unknown-op.pipe:3:7: error: unknown op 'frobnicate'
// BAD-NEXT: {{^}}  y = frobnicate(x)
// BAD-NEXT: {{^}}      ^
// RUN: not pipec %S/Inputs/unknown-op.pipe --emit=mlir -o %t/bad-dir
// RUN: not ls %t/bad-dir

// --verify-diagnostics: exit 0 exactly when the annotations match.
// RUN: pipec %S/Inputs/expected-error.pipe --verify-diagnostics --emit=mlir | count 0
// RUN: not pipec %S/Inputs/wrong-expectation.pipe --verify-diagnostics 2>&1 | FileCheck %s --check-prefix=VERIFY
// VERIFY: expected error "this is not the message" was not produced

// Several kinds go to stdout in the order asked.
// RUN: pipec %examples/mlp.pipe --emit=ast,mlir | FileCheck %s --check-prefix=BOTH
// BOTH: File {{.*}}mlp.pipe
// BOTH: pipe.model @mlp

// With -o DIR each kind is a file there and stdout stays empty.
// RUN: pipec %examples/mlp.pipe --emit=mlir,ast -o %t/out | count 0
// RUN: FileCheck %s --check-prefix=FILE < %t/out/model.mlir
// FILE: pipe.model @mlp
// RUN: FileCheck %s --check-prefix=ASTFILE < %t/out/ast.txt
// ASTFILE: File {{.*}}mlp.pipe

// --set overrides a pipeline key as if written in the file.
// RUN: pipec %examples/mlp.pipe --set ranks=5 --emit=mlir | FileCheck %s --check-prefix=SET
// SET: pipe.strategy ranks = 5, virtual = 1,
